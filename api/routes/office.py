"""The office area's reads (issue #17): the 待办 inbox and similar cases beside an approval."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import DB, CurrentUser, TxRoute
from api.schemas_office import InboxOut, SimilarOut
from api.services import cases, office, similar_cases
from api.services.clock import today
from api.services.users import visible_units

router = APIRouter(tags=["office"], route_class=TxRoute)


@router.get("/office/inbox", response_model=InboxOut, summary="My 待办 and 已办 with counts")
def inbox(db: DB, user: CurrentUser, done_limit: Annotated[int, Query(ge=1, le=500)] = 50) -> InboxOut:
    return office.inbox(db, user, today(), done_limit)


@router.get("/cases/{case_id}/similar", response_model=SimilarOut, summary="Similar decided cases")
def similar(case_id: str, request: Request, db: DB, user: CurrentUser) -> SimilarOut:
    """Same violation and amount band in the case's province over the last ``similar_case_years``:
    from the published warehouse snapshot when there is one, else from this store (``source``)."""
    case = cases.get_visible(db, user, case_id)
    snapshot = request.app.state.settings.serve_warehouse_path
    return similar_cases.similar(db, case, snapshot, today(), visible_units(db, user))
