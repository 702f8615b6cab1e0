"""Human review of a dossier through a task: machine findings pre-filled, confirm / reject / add,
score and grade by ``zhifa.review_scoring``, the re-review gap check and the dossier's final score.

Blindness: a re-reviewer must never learn the first review. Everything here that shows human results
goes through :func:`may_see_reviews`; other modules showing a dossier can ask :func:`hides_results`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core import refdata
from api.core.errors import Conflict, DomainError, Invalid
from api.models import Dossier, HumanReview, HumanReviewItem, MachineReview, ReviewTask, User
from api.platform.services import audit
from api.platform.services.users import can_see_unit, province_of, visible_units
from api.review.services import review_tasks as tasks
from api.review.services.rule_sets import current_rule_set, rule_set
from zhifa.clock import now, today
from zhifa.review_scoring import final_score, grade_for, score_after

# what a reviewer must decide: failures, rules only a human can check, rules the data could not decide
DECIDABLE = ("failed", "human", "not_checked")
MANAGERS = frozenset({"quality", "manager", "admin"})


@dataclass(frozen=True)
class Rule:
    name_zh: str
    points: Decimal
    veto: bool


def grading(session: Session, dossier: Dossier) -> dict[str, float | str]:
    """Settings for the dossier's province on its decision date (today if not decided)."""
    return refdata.settings_for(province_of(session, dossier.unit_code), dossier.decided_on or today())


def _rules(session: Session, version: int) -> dict[str, Rule]:
    try:
        view = rule_set(session, version)
    except KeyError:
        view = current_rule_set(session)
    return {
        str(r["rule_id"]): Rule(str(r["name_zh"]), Decimal(str(r["deduct_points"])), bool(r["veto"]))
        for r in view.rules.to_dict("records")
    }


def machine_review(session: Session, dossier: Dossier) -> MachineReview | None:
    return session.get(MachineReview, dossier.machine_review_id) if dossier.machine_review_id else None


def prefilled(session: Session, dossier: Dossier) -> list[dict[str, Any]]:
    """The machine findings as the reviewer's form starts: failures pre-filled as confirmed."""
    machine = machine_review(session, dossier)
    if machine is None:
        return []
    rules = _rules(session, machine.rule_set_version)
    out = []
    for f in machine.findings:
        rule = rules.get(str(f["rule_id"]))
        outcome = str(f.get("outcome"))
        out.append(
            {
                "rule_id": str(f["rule_id"]),
                "rule_version": f.get("rule_version"),
                "name_zh": rule.name_zh if rule else None,
                "outcome": outcome,
                "deducted_points": Decimal(str(f.get("deducted_points") or 0)),
                "veto": bool(f.get("veto")),
                "evidence": f.get("evidence"),
                "decision_needed": outcome in DECIDABLE,
                "prefill": "confirm" if outcome == "failed" else None,
            }
        )
    return out


# --- who sees what ---------------------------------------------------------------------------------
def is_manager_of(session: Session, user: User, dossier: Dossier) -> bool:
    units = visible_units(session, user)
    return bool(MANAGERS & user.role_set) and (units is None or dossier.unit_code in units)


def knows_dossier(session: Session, user: User, dossier: Dossier) -> bool:
    """The dossier lies in the user's scope, or they were given a task of it (pool reviewers work across
    units); to anyone else it does not exist."""
    if can_see_unit(session, user, dossier.unit_code):
        return True
    given = select(ReviewTask.task_id).where(
        ReviewTask.dossier_id == dossier.dossier_id, ReviewTask.assignee_id == user.id
    )
    mine = select(HumanReview.review_id).where(
        HumanReview.dossier_id == dossier.dossier_id, HumanReview.reviewer_id == user.id
    )
    return session.scalar(given.limit(1)) is not None or session.scalar(mine.limit(1)) is not None


def holds_blind_task(session: Session, user: User, dossier_id: int) -> bool:
    """``user`` holds, or has claimable, a re-review of this dossier they have not submitted yet."""
    return session.scalar(
        select(ReviewTask.task_id).where(
            ReviewTask.dossier_id == dossier_id,
            ReviewTask.mode == "re_review",
            ReviewTask.status.in_(tasks.ACTIVE),
        )
    ) is not None and user.id not in tasks.prior_reviewers(session, dossier_id)


def hides_results(session: Session, user: User, dossier: Dossier) -> bool:
    """True when ``user`` must not see this dossier's human scores (final_score/grade included): anyone
    but its managers and its own past reviewers, while a re-review is pending."""
    if "admin" in user.role_set or is_manager_of(session, user, dossier):
        return False
    return holds_blind_task(session, user, dossier.dossier_id)


def may_see_reviews(session: Session, user: User, task: ReviewTask, dossier: Dossier) -> bool:
    """Prior reviews are shown to managers and to the arbitrator, never to a re-reviewer."""
    if "admin" in user.role_set or is_manager_of(session, user, dossier):
        return True
    return task.mode == "arbitration" and task.assignee_id == user.id and task.status == "claimed"


def reviews_of(session: Session, dossier_id: int) -> list[tuple[HumanReview, list[HumanReviewItem]]]:
    rows = session.scalars(
        select(HumanReview).where(HumanReview.dossier_id == dossier_id).order_by(HumanReview.review_id)
    ).all()
    return [(r, items_of(session, r.review_id)) for r in rows]


def items_of(session: Session, review_id: int) -> list[HumanReviewItem]:
    stmt = select(HumanReviewItem).where(HumanReviewItem.review_id == review_id).order_by(HumanReviewItem.id)
    return list(session.scalars(stmt))


# --- submit -----------------------------------------------------------------------------------------
def _bad(code: str, zh: str, en: str, detail: Any = None) -> DomainError:
    return Invalid(code, f"{zh} / {en}", detail)


def _items(
    session: Session, dossier: Dossier, decisions: list[Any], additions: list[Any]
) -> tuple[list[HumanReviewItem], int, int | None]:
    machine = machine_review(session, dossier)
    version = machine.rule_set_version if machine else current_rule_set(session).version
    rules = _rules(session, version)
    findings = {str(f["rule_id"]): f for f in (machine.findings if machine else [])}
    decidable = {rid for rid, f in findings.items() if f.get("outcome") in DECIDABLE}
    seen = [d.rule_id for d in decisions]
    unknown = sorted(set(seen) - decidable)
    if unknown:
        raise _bad("UNKNOWN_RULE", "无此待定机审项", "no failed/human finding for rule", unknown)
    if len(set(seen)) != len(seen):
        raise _bad("DUPLICATE_RULE", "同一审查项重复决定", "a finding decided twice")
    missing = sorted(decidable - set(seen))
    if missing:
        raise _bad("DECISION_MISSING", "以下机审项须确认或驳回", "confirm or reject every finding", missing)
    items = []
    for d in decisions:
        f, rule = findings[d.rule_id], rules.get(d.rule_id)
        if d.decision == "reject":
            if not d.comment:
                raise _bad(
                    "COMMENT_REQUIRED",
                    "驳回机审项须说明理由",
                    "rejecting a finding needs a comment",
                    d.rule_id,
                )
            items.append(
                HumanReviewItem(
                    rule_id=d.rule_id, decision="rejected", deducted_points=0, veto=False, comment=d.comment
                )
            )
            continue
        # confirming a failure accepts the machine's deduction; an item the machine left open takes the rule's
        points = Decimal(str(f.get("deducted_points") or 0))
        if f.get("outcome") != "failed" or points == 0:
            points = rule.points if rule else points
        veto = bool(f.get("veto")) or bool(rule and rule.veto)
        items.append(
            HumanReviewItem(
                rule_id=d.rule_id, decision="confirmed", deducted_points=points, veto=veto, comment=d.comment
            )
        )
    added = [a.rule_id for a in additions]
    unknown = sorted(set(added) - set(rules))
    if unknown:
        raise _bad("UNKNOWN_RULE", "评查规则不存在", "unknown rule id", unknown)
    clash = sorted(set(added) & decidable)
    if clash or len(set(added)) != len(added):
        raise _bad(
            "USE_DECISION", "该项已在机审结果中或重复添加", "decide it as a finding / added twice", clash
        )
    for a in additions:
        items.append(
            HumanReviewItem(
                rule_id=a.rule_id,
                decision="added",
                deducted_points=a.points,
                veto=rules[a.rule_id].veto,
                comment=a.comment,
            )
        )
    return items, version, machine.review_id if machine else None


def submit(
    session: Session,
    user: User,
    task_id: int,
    decisions: list[Any],
    additions: list[Any],
    comment: str | None,
) -> tuple[HumanReview, list[HumanReviewItem], ReviewTask, ReviewTask | None]:
    task = tasks.held(session, user, task_id)
    dossier = tasks.lock_dossier(session, task.dossier_id)
    items, version, machine_id = _items(session, dossier, decisions, additions)
    settings = grading(session, dossier)
    counted = [float(i.deducted_points) for i in items if i.decision != "rejected"]
    score = score_after(counted, settings)
    veto = any(i.veto for i in items if i.decision != "rejected")
    parent = _parent_review(session, task)
    stamp = now()
    review = HumanReview(
        task_id=task.task_id,
        dossier_id=dossier.dossier_id,
        reviewer_id=user.id,
        mode=task.mode,
        parent_review_id=parent.review_id if parent else None,
        machine_review_id=machine_id,
        rule_set_version=version,
        total_score=Decimal(str(score)),
        grade=grade_for(score, veto, settings),
        veto=veto,
        comment=comment,
        started_at=task.claimed_at or stamp,
        submitted_at=stamp,
        updated_at=stamp,
    )
    audit.add_created(session, user, review, action="submit", entity="human_review", entity_id="review_id")
    for item in items:
        item.review_id = review.review_id
        session.add(item)
    if not tasks.set_state(session, user, task, "submit", status="submitted", lease_expires_at=None):
        raise Conflict("TASK_CHANGED", "任务已被修改，请刷新 / task changed meanwhile")
    arbitration = None
    if task.mode == "re_review" and parent is not None and _needs_arbitration(parent, review, settings):
        opener = session.get(User, task.published_by) or user
        arbitration = tasks.create_task(
            session, opener, dossier, "arbitration", parent_task_id=task.task_id, actor=user
        )
    session.flush()
    refresh_final(session, user, dossier)
    return review, items, task, arbitration


def _parent_review(session: Session, task: ReviewTask) -> HumanReview | None:
    if task.parent_task_id is None:
        return None
    return session.scalars(select(HumanReview).where(HumanReview.task_id == task.parent_task_id)).first()


def _needs_arbitration(first: HumanReview, second: HumanReview, settings: Any) -> bool:
    """Arbitration when the scores differ by more than ``rereview_score_gap`` or only one of the two
    found a veto item (the grade then differs whatever the points)."""
    gap = abs(Decimal(first.total_score) - Decimal(second.total_score))
    return gap > Decimal(str(settings["rereview_score_gap"])) or bool(first.veto) != bool(second.veto)


def refresh_final(session: Session, user: User, dossier: Dossier) -> None:
    """Dossier.final_* from review_scoring.final_score: arbitration if any, else the mean of the human
    reviews, else the machine score. Veto: the arbitrator's, else any human reviewer's."""
    reviews = session.scalars(select(HumanReview).where(HumanReview.dossier_id == dossier.dossier_id)).all()
    humans = [r for r in reviews if r.mode != "arbitration"]
    arbs = sorted((r for r in reviews if r.mode == "arbitration"), key=lambda r: r.review_id)
    arb = arbs[-1] if arbs else None
    machine = float(dossier.machine_score) if dossier.machine_score is not None else None
    score, rule = final_score(
        [float(r.total_score) for r in humans], float(arb.total_score) if arb else None, machine
    )
    if not humans and arb is None:
        return
    veto = bool(arb.veto) if arb else any(r.veto for r in humans)
    before = audit.snapshot(dossier)
    pending = (
        session.scalar(
            select(ReviewTask.task_id).where(
                ReviewTask.dossier_id == dossier.dossier_id,
                ReviewTask.mode.in_(("re_review", "arbitration")),
                ReviewTask.status.in_(tasks.ACTIVE),
            )
        )
        is not None
    )
    second_done = any(r.mode == "re_review" for r in humans)
    dossier.final_score = None if score is None else Decimal(str(score))
    dossier.final_grade = None if score is None else grade_for(score, veto, grading(session, dossier))
    dossier.final_rule = rule
    dossier.status = "final" if (arb is not None or second_done) and not pending else "reviewed"
    dossier.updated_at = now()
    session.flush()
    audit.record_change(
        session,
        user,
        dossier,
        action="final_score",
        entity="dossier",
        entity_id=str(dossier.dossier_id),
        before=before,
    )
