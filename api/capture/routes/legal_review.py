"""Major decisions (重大执法决定): the catalogue's verdict on a case and the collective discussion record.
The legal review itself is an approval of kind ``legal_review`` (routes/approvals.py)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request

from api.capture.schemas_legal import CatalogueHitOut, DiscussionIn, DiscussionOut, MajorDecisionOut
from api.capture.services import cases, legal_review
from api.deps import DB, CurrentUser, Officer, TxRoute
from api.models import CollectiveDiscussion
from zhifa.major_decisions import required_level

router = APIRouter(prefix="/cases/{case_id}", tags=["legal review"], route_class=TxRoute)


@router.get("/major-decision", response_model=MajorDecisionOut, summary="Is this a major decision, and why")
def major_decision(case_id: str, db: DB, user: CurrentUser) -> MajorDecisionOut:
    case = cases.get_visible(db, user, case_id)
    found = legal_review.catalogue_hits(db, case)
    return MajorDecisionOut(
        major=bool(found),
        hits=[CatalogueHitOut(**asdict(h)) for h in found],
        reviewer_level=required_level(found),
        missing=legal_review.problems(db, case),
    )


@router.post(
    "/collective-discussions",
    response_model=DiscussionOut,
    status_code=201,
    summary="Record the head's collective discussion",
)
def record(case_id: str, body: DiscussionIn, request: Request, db: DB, user: Officer) -> CollectiveDiscussion:
    """Generates the 集体讨论记录 with the date, the participants and the conclusion."""
    case = cases.get_writable(db, user, case_id)
    root = request.app.state.settings.documents_dir
    return legal_review.record_discussion(
        db, user, case, body.held_on, body.participants, body.conclusion, root
    )
