"""The office area's reads (issue #17): the 待办 inbox, similar cases beside an approval, case search with its
XLSX export, and a case's history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select

from api.capture.schemas import CaseStatus
from api.capture.services import cases
from api.core import refdata
from api.deps import DB, CurrentUser, TxRoute, require
from api.models import Unit, User
from api.office.schemas import CaseRow, CaseSearchOut, HistoryEntry, InboxOut, SimilarOut, UnitOut
from api.office.services import case_search, office, similar_cases
from api.office.services.case_search import Filters, SortKey
from api.platform.services.users import visible_units
from zhifa.clock import today

router = APIRouter(tags=["office"], route_class=TxRoute)
Searcher = Annotated[User, Depends(require("manager", "approver", "legal_reviewer", "quality"))]
NO_CONTROL = r"^[^\x00-\x1f]*$"  # a NUL byte would be refused by PostgreSQL as a 500: refuse it here, 422


def text(length: int) -> object:
    return Query(max_length=length, pattern=NO_CONTROL)


def filters(
    unit_code: Annotated[str | None, text(12)] = None,
    officer_id: Annotated[str | None, text(20)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    violation_code: Annotated[str | None, text(40)] = None,
    party: Annotated[str | None, text(60)] = None,
    status: CaseStatus | None = None,
    amount_min: Annotated[Decimal | None, Query(ge=0, le=10**12)] = None,
    amount_max: Annotated[Decimal | None, Query(ge=0, le=10**12)] = None,
) -> Filters:
    return Filters(
        unit_code, officer_id, date_from, date_to, violation_code, party, status, amount_min, amount_max
    )


Search = Annotated[Filters, Depends(filters)]


@router.get("/office/inbox", response_model=InboxOut, summary="My 待办 and 已办 with counts")
def inbox(
    db: DB,
    user: CurrentUser,
    done_limit: Annotated[int, Query(ge=1, le=500)] = 50,
    deadline_limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    approval_limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> InboxOut:
    """Counts cover everything; the lists are bounded (deadlines: the most urgent ``deadline_limit``;
    approvals to decide: the ``approval_limit`` oldest requests)."""
    return office.inbox(db, user, today(), done_limit, deadline_limit, approval_limit)


@router.get("/cases/{case_id}/similar", response_model=SimilarOut, summary="Similar decided cases")
def similar(case_id: str, request: Request, db: DB, user: CurrentUser) -> SimilarOut:
    """Same violation and amount band in the case's province over the last ``similar_case_years``:
    from the published warehouse snapshot when there is one, else from this store (``source``)."""
    case = cases.get_visible(db, user, case_id)
    snapshot = request.app.state.settings.serve_warehouse_path
    return similar_cases.similar(db, case, snapshot, today(), visible_units(db, user))


@router.get("/office/units", response_model=list[UnitOut], summary="The units of my subtree (filter lists)")
def units(db: DB, user: CurrentUser) -> list[Unit]:
    stmt = select(Unit).order_by(Unit.path)
    scope = visible_units(db, user)
    if scope is not None:
        stmt = stmt.where(Unit.unit_code.in_(scope))
    return list(db.scalars(stmt))


@router.get("/office/cases", response_model=CaseSearchOut, summary="Search cases in my unit subtree")
def search(
    request: Request,
    db: DB,
    user: Searcher,
    f: Search,
    sort: SortKey = "discovered_at",
    desc: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    offset: Annotated[int, Query(ge=0, le=10**7)] = 0,
) -> CaseSearchOut:
    """``total`` counts up to the ``search_count_limit`` setting; ``more`` says there are more."""
    count_limit = request.app.state.api_settings.search_count_limit
    total, more, rows = case_search.search(db, user, f, sort, desc, limit, offset, count_limit)
    return CaseSearchOut(total=total, more=more, rows=[CaseRow.model_validate(c) for c in rows])


@router.get(
    "/office/cases.xlsx",
    summary="The search's cases as XLSX",
    response_class=Response,
    responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}},
)
def export(
    request: Request, db: DB, user: Searcher, f: Search, sort: SortKey = "discovered_at", desc: bool = True
) -> Response:
    kinds = refdata.reference().violation_types
    names = {r.violation_code: r.name_zh for r in kinds.itertuples()}
    data = case_search.export(db, user, f, sort, desc, request.app.state.api_settings.export_max_rows, names)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''cases.xlsx"},
    )


@router.get(
    "/office/cases/{case_id}/history", response_model=list[HistoryEntry], summary="A case's audit trail"
)
def history(case_id: str, db: DB, user: Searcher) -> list[HistoryEntry]:
    case = cases.get_visible(db, user, case_id)
    return [HistoryEntry.model_validate(e) for e in case_search.history(db, case)]
