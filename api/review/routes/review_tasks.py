"""Review tasks (评查任务): publish, the pool (抢单), claim / release under a lease, the review form with
the machine findings pre-filled, submit; human reviews. Workflow and rules: docs/review-workflow.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select

from api.core.errors import NotFound
from api.deps import DB, CurrentUser, PathId, QueryId, TxRoute, require
from api.models import Dossier, HumanReview, HumanReviewItem, ReviewTask, User
from api.platform.services.users import visible_units
from api.review.schemas_review_tasks import (
    DossierBrief,
    ExpiredOut,
    FinalOut,
    FindingPrefill,
    HumanReviewOut,
    ItemOut,
    PoolItem,
    PublishIn,
    SubmitIn,
    SubmitOut,
    TaskDetail,
    TaskFileOut,
    TaskOut,
)
from api.review.services import human_review as hr
from api.review.services import rectifications, task_files
from api.review.services import review_tasks as tasks

router = APIRouter(tags=["review tasks"], route_class=TxRoute)
Manager = Annotated[User, Depends(require("quality", "manager"))]
Quality = Annotated[User, Depends(require("quality"))]
Reviewer = Annotated[User, Depends(require("reviewer", "quality"))]  # quality staff take arbitration


def review_out(review: HumanReview, items: list[HumanReviewItem]) -> HumanReviewOut:
    out = HumanReviewOut.model_validate(review)
    out.items = [ItemOut.model_validate(i) for i in items]
    return out


def _pool_items(rows: list[tuple[ReviewTask, Dossier]]) -> list[PoolItem]:
    return [PoolItem(task=TaskOut.model_validate(t), dossier=DossierBrief.model_validate(d)) for t, d in rows]


@router.post("/review-tasks", response_model=list[TaskOut], status_code=201, summary="Publish review tasks")
def publish(body: PublishIn, db: DB, user: Manager) -> list[ReviewTask]:
    return tasks.publish(db, user, body.dossier_ids, body.mode)


@router.get("/review-tasks", response_model=list[TaskOut], summary="Review tasks in the manager's scope")
def list_tasks(
    db: DB,
    user: Manager,
    status: str | None = None,
    mode: str | None = None,
    dossier_id: QueryId | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ReviewTask]:
    stmt = select(ReviewTask).join(Dossier, Dossier.dossier_id == ReviewTask.dossier_id)
    units = visible_units(db, user)
    if units is not None:
        stmt = stmt.where(Dossier.unit_code.in_(units))
    for column, value in (
        (ReviewTask.status, status),
        (ReviewTask.mode, mode),
        (ReviewTask.dossier_id, dossier_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return list(db.scalars(stmt.order_by(ReviewTask.task_id).limit(limit)))


@router.get("/review-tasks/pool", response_model=list[PoolItem], summary="Open tasks I may claim (抢单池)")
def pool(
    db: DB,
    user: Reviewer,
    mode: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PoolItem]:
    return _pool_items(tasks.pool(db, user, mode, limit))


@router.get("/review-tasks/mine", response_model=list[PoolItem], summary="Tasks I hold or have submitted")
def mine(db: DB, user: CurrentUser) -> list[PoolItem]:
    tasks.expire_leases(db)
    rows = db.execute(
        select(ReviewTask, Dossier)
        .join(Dossier, Dossier.dossier_id == ReviewTask.dossier_id)
        .where(ReviewTask.assignee_id == user.id)
        .order_by(ReviewTask.task_id)
    ).tuples()
    return _pool_items(list(rows))


@router.post("/review-tasks/expire-leases", response_model=ExpiredOut, summary="Return expired claims")
def expire(db: DB, user: Quality) -> ExpiredOut:
    return ExpiredOut(returned_task_ids=tasks.expire_leases(db))


@router.get("/review-tasks/{task_id}", response_model=TaskDetail, summary="A task with its review form")
def detail(task_id: PathId, db: DB, user: CurrentUser) -> TaskDetail:
    task, dossier, manager = task_files.readable(db, user, task_id)
    if hr.may_see_reviews(db, user, task, dossier):
        reviews = [review_out(r, i) for r, i in hr.reviews_of(db, dossier.dossier_id)]
    else:  # the holder sees their own review of this task, nothing else
        reviews = [review_out(r, i) for r, i in hr.reviews_of(db, dossier.dossier_id) if r.task_id == task_id]
    settings = hr.grading(db, dossier)
    keys = ("review_total_points", "grade_excellent_min", "grade_pass_min", "rereview_score_gap")
    return TaskDetail(
        task=TaskOut.model_validate(task),
        dossier=DossierBrief.model_validate(dossier),
        findings=[FindingPrefill(**f) for f in hr.prefilled(db, dossier)],
        grading={k: float(settings[k]) for k in keys},
        reviews=reviews,
        final=FinalOut.model_validate(dossier, from_attributes=True) if manager else None,
    )


@router.post("/review-tasks/{task_id}/claim", response_model=TaskOut, summary="Claim a task (first come)")
def claim(task_id: PathId, db: DB, user: Reviewer) -> ReviewTask:
    return tasks.claim(db, user, task_id)


@router.post("/review-tasks/{task_id}/release", response_model=TaskOut, summary="Give a claimed task back")
def release(task_id: PathId, db: DB, user: Reviewer) -> ReviewTask:
    return tasks.release(db, user, task_id)


@router.post("/review-tasks/{task_id}/cancel", response_model=TaskOut, summary="Withdraw an unfinished task")
def cancel(task_id: PathId, db: DB, user: Manager) -> ReviewTask:
    return tasks.cancel(db, user, task_id)


@router.post("/review-tasks/{task_id}/submit", response_model=SubmitOut, summary="Submit the human review")
def submit(task_id: PathId, body: SubmitIn, db: DB, user: Reviewer) -> SubmitOut:
    review, items, task, arbitration = hr.submit(
        db, user, task_id, body.decisions, body.additions, body.comment
    )
    rectification = rectifications.after_human_review(db, user, review, items)
    return SubmitOut(
        review=review_out(review, items),
        task=TaskOut.model_validate(task),
        arbitration_task_id=arbitration.task_id if arbitration else None,
        rectification_id=rectification.rectification_id if rectification else None,
    )


@router.get("/human-reviews", response_model=list[HumanReviewOut], summary="Human reviews of a dossier")
def human_reviews(dossier_id: QueryId, db: DB, user: CurrentUser) -> list[HumanReviewOut]:
    dossier = db.get(Dossier, dossier_id)
    # a dossier the caller neither sees nor works on does not exist for them (no 200 [] to probe ids with)
    if dossier is None or not hr.knows_dossier(db, user, dossier):
        raise NotFound("DOSSIER_NOT_FOUND", f"案卷不存在 / dossier {dossier_id} not found")
    everything = "admin" in user.role_set or hr.is_manager_of(db, user, dossier)
    return [
        review_out(r, i)
        for r, i in hr.reviews_of(db, dossier_id)
        if everything or r.reviewer_id == user.id  # a reviewer sees only their own reviews
    ]


@router.get("/human-reviews/{review_id}", response_model=HumanReviewOut, summary="One human review")
def human_review(review_id: PathId, db: DB, user: CurrentUser) -> HumanReviewOut:
    review = db.get(HumanReview, review_id)
    dossier = db.get(Dossier, review.dossier_id) if review else None
    if (
        review is None
        or dossier is None
        or not (
            "admin" in user.role_set or hr.is_manager_of(db, user, dossier) or review.reviewer_id == user.id
        )
    ):
        raise NotFound("REVIEW_NOT_FOUND", f"评查记录不存在 / human review {review_id} not found")
    return review_out(review, hr.items_of(db, review_id))


@router.get("/review-tasks/{task_id}/files", response_model=list[TaskFileOut], summary="The dossier's files")
def files(task_id: PathId, db: DB, user: CurrentUser) -> list[TaskFileOut]:
    """For the side-by-side view: each file with the fields recognised in it and their pages."""
    _, dossier, _ = task_files.readable(db, user, task_id)
    return [TaskFileOut.model_validate(f) for f in task_files.files(db, dossier)]


@router.get(
    "/review-tasks/{task_id}/files/{file_id}", summary="One file of the dossier", response_class=Response
)
def file_content(task_id: PathId, file_id: PathId, request: Request, db: DB, user: CurrentUser) -> Response:
    _, dossier, _ = task_files.readable(db, user, task_id)
    data, media_type = task_files.content(db, dossier, file_id, request.app.state.settings.uploads_dir)
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, no-store"})
