"""The quality team's arbitration queue (issue #17): re-reviews whose score differs from the first review by
more than ``rereview_score_gap`` (or only one found a veto) wait as arbitration tasks; quality staff of the
dossier's subtree set the final score with a reason. The score is stored as the arbitration review, so the
dossier's final score follows the one rule (``review_scoring.final_score``), and it is audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.errors import Conflict, Forbidden, NotFound
from api.models import Dossier, HumanReview, ReviewTask, User
from api.platform.services import audit
from api.platform.services.users import visible_units
from api.review.services import human_review
from api.review.services import review_tasks as tasks
from zhifa.clock import now
from zhifa.review_scoring import grade_for


def _not_found(task_id: int) -> NotFound:
    return NotFound("TASK_NOT_FOUND", f"评查任务不存在 / review task {task_id} not found")


def _pair(session: Session, task: ReviewTask) -> tuple[HumanReview | None, HumanReview | None]:
    """(first review, re-review) an arbitration task settles."""
    rereview = session.get(ReviewTask, task.parent_task_id) if task.parent_task_id else None
    if rereview is None:
        return None, None

    def review_of(task_id: int | None) -> HumanReview | None:
        return session.scalars(select(HumanReview).where(HumanReview.task_id == task_id)).first()

    return review_of(rereview.parent_task_id), review_of(rereview.task_id)


def queue(session: Session, user: User) -> list[dict[str, Any]]:
    """Arbitration tasks not yet done in the caller's subtree, oldest first, with both scores and the gap."""
    tasks.expire_leases(session)
    stmt = (
        select(ReviewTask, Dossier)
        .join(Dossier, Dossier.dossier_id == ReviewTask.dossier_id)
        .where(ReviewTask.mode == "arbitration", ReviewTask.status.in_(tasks.ACTIVE))
        .order_by(ReviewTask.published_at, ReviewTask.task_id)
    )
    units = visible_units(session, user)
    if units is not None:
        stmt = stmt.where(Dossier.unit_code.in_(units))
    out = []
    for task, dossier in session.execute(stmt).tuples():
        first, second = _pair(session, task)
        if first is None or second is None:
            continue
        out.append(
            {
                "task_id": task.task_id,
                "dossier_id": dossier.dossier_id,
                "case_id": dossier.case_id,
                "unit_code": dossier.unit_code,
                "status": task.status,
                "first_score": first.total_score,
                "second_score": second.total_score,
                "gap": abs(Decimal(first.total_score) - Decimal(second.total_score)),
                "allowed_gap": Decimal(str(human_review.grading(session, dossier)["rereview_score_gap"])),
                "veto_differs": bool(first.veto) != bool(second.veto),
                "published_at": task.published_at,
            }
        )
    return out


def arbitrate(
    session: Session, user: User, task_id: int, score: Decimal, veto: bool, reason: str
) -> tuple[HumanReview, Dossier]:
    task = session.get(ReviewTask, task_id)
    if task is None or task.mode != "arbitration":
        raise _not_found(task_id)
    dossier = tasks.lock_dossier(session, task.dossier_id)
    units = visible_units(session, user)
    if units is not None and dossier.unit_code not in units:
        raise _not_found(task_id)
    tasks.expire_leases(session, task_ids=[task_id])
    session.refresh(task)
    if task.status not in tasks.ACTIVE:
        raise Conflict("ALREADY_DECIDED", "该任务已完成 / this task is done")
    if task.status == "claimed" and task.assignee_id != user.id:
        raise Conflict("TASK_HELD", "该任务已被他人领取 / another arbitrator holds this task")
    if user.id in tasks.prior_reviewers(session, dossier.dossier_id):
        raise Forbidden("TASK_EXCLUDED", "评查过该案卷的人不能仲裁 / an earlier reviewer cannot arbitrate")
    first, second = _pair(session, task)
    if first is None or second is None:
        raise Conflict("NO_REREVIEW", "缺少初评或复评 / first review or re-review missing")
    settings = human_review.grading(session, dossier)
    stamp = now()
    review = HumanReview(
        task_id=task.task_id,
        dossier_id=dossier.dossier_id,
        reviewer_id=user.id,
        mode="arbitration",
        parent_review_id=second.review_id,
        machine_review_id=second.machine_review_id,
        rule_set_version=second.rule_set_version,
        total_score=score,
        grade=grade_for(float(score), veto, settings),
        veto=veto,
        comment=reason,
        started_at=task.claimed_at or stamp,
        submitted_at=stamp,
        updated_at=stamp,
    )
    audit.add_created(session, user, review, action="arbitrate", entity="human_review", entity_id="review_id")
    values = {"status": "submitted", "assignee_id": user.id, "lease_expires_at": None}
    if not tasks.set_state(session, user, task, "arbitrate", **values):
        raise Conflict("TASK_CHANGED", "任务已被修改，请刷新 / task changed meanwhile")
    session.flush()
    human_review.refresh_final(session, user, dossier)
    return review, dossier
