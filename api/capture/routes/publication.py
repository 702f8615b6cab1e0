"""Publication of decisions (行政执法公示): drafted by the handling unit, published by an approver or legal
reviewer (never the drafter); and the public list, the one part of the service open without login."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.capture.schemas_publication import (
    PublicationEdit,
    PublicationOut,
    PublicDecisionOut,
    PublicPage,
    PublishIn,
)
from api.capture.services import cases, public_decisions, publication
from api.deps import DB, Approver, CurrentUser, Officer, TxRoute
from api.models import Publication

router = APIRouter(tags=["publication"], route_class=TxRoute)
Search = Annotated[str | None, Query(max_length=50, description="words in the text or the unit's name")]
PUBLIC_PAGE_MAX = 100
PUBLIC_EXPORT_MAX = 5000


@router.post("/cases/{case_id}/publication", response_model=PublicationOut, status_code=201, summary="Draft")
def draft(case_id: str, db: DB, user: Officer) -> Publication:
    """The public text is generated from the decision, personal data masked; the due date is set."""
    return publication.draft(db, user, cases.get_writable(db, user, case_id))


@router.get("/cases/{case_id}/publication", response_model=PublicationOut, summary="The publication record")
def read(case_id: str, db: DB, user: CurrentUser) -> Publication:
    return publication.get(db, cases.get_visible(db, user, case_id))


@router.put("/cases/{case_id}/publication", response_model=PublicationOut, summary="Edit the draft text")
def edit(case_id: str, body: PublicationEdit, db: DB, user: Officer) -> Publication:
    """Refused (422 PERSONAL_DATA_IN_TEXT) while the text still carries an ID-card or phone number."""
    row = publication.get(db, cases.get_writable(db, user, case_id))
    return publication.edit(db, user, row, body.public_text)


@router.post("/cases/{case_id}/publication/publish", response_model=PublicationOut, summary="Publish")
def publish(case_id: str, body: PublishIn, db: DB, user: Approver) -> Publication:
    case = cases.get_visible(db, user, case_id, lock=True)
    return publication.publish(db, user, case, publication.get(db, case), body.channel)


@router.get("/public/decisions", response_model=PublicPage, summary="Published decisions (no login)")
def public_list(
    db: DB,
    q: Search = None,
    limit: Annotated[int, Query(ge=1, le=PUBLIC_PAGE_MAX)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PublicPage:
    total, rows = public_decisions.search(db, q, limit, offset)
    return PublicPage(total=total, items=[PublicDecisionOut(**asdict(r)) for r in rows])


@router.get(
    "/public/decisions.xlsx",
    summary="Published decisions as XLSX (no login)",
    response_class=Response,
    responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}},
)
def public_xlsx(db: DB, q: Search = None) -> Response:
    return Response(
        public_decisions.workbook(db, q, PUBLIC_EXPORT_MAX),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''decisions.xlsx"},
    )


@router.get("/public/decisions.json", response_model=PublicPage, summary="JSON feed of the latest decisions")
def public_feed(db: DB) -> PublicPage:
    total, rows = public_decisions.search(db, None, PUBLIC_PAGE_MAX, 0)
    return PublicPage(total=total, items=[PublicDecisionOut(**asdict(r)) for r in rows])
