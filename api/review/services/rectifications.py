"""Rectification (整改, issue #19 §1): a review whose deductions pass ``rectification_deduction_threshold``
opens a task to the handling unit; the unit answers per finding, a reviewer re-checks. Which moves are
allowed is ``zhifa.rectification`` (pure); here: who may act, what is stored, the audit chain.

Who sees a task — anyone else gets 404 like a missing id:
- the handling unit's side (``officer``/``manager`` whose scope holds the unit): reads and answers;
- the re-checker (the reviewer whose review opened it) and ``quality`` of the unit's subtree: read and
  re-check. ``admin`` does everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from api.core import refdata
from api.core.errors import Conflict, DomainError, Invalid, NotFound, forbidden
from api.models import (
    CaseOfficer,
    Dossier,
    HumanReview,
    HumanReviewItem,
    MachineReview,
    Rectification,
    RectificationItem,
    StoredFile,
    User,
)
from api.platform.services import audit, storage
from api.platform.services.users import can_see_unit, province_of, visible_units
from api.review.services import human_review as hr
from api.review.services.rule_sets import current_rule_set, rule_set
from zhifa import rectification as sm
from zhifa.calendar import add_working_days
from zhifa.clock import local_date, now, today

UNIT_ROLES = frozenset({"officer", "manager", "admin"})
CHECK_ROLES = frozenset({"quality", "admin"})
UNFINISHED = ("open", "answered", "returned")


@dataclass(frozen=True)
class Finding:
    rule_id: str
    points: Decimal
    text: str | None


def _missing(rectification_id: int) -> NotFound:
    return NotFound("RECTIFICATION_NOT_FOUND", f"整改任务不存在 / rectification {rectification_id} not found")


def _domain(err: sm.RectificationError) -> DomainError:
    if err.kind in ("closed", "state"):
        return Conflict(err.code, err.message, err.detail)
    return Invalid(err.code, err.message, err.detail)


# --- who ---------------------------------------------------------------------------------------------
def unit_side(session: Session, user: User, rect: Rectification) -> bool:
    return bool(UNIT_ROLES & user.role_set) and can_see_unit(session, user, rect.unit_code)


def checker(session: Session, user: User, rect: Rectification) -> bool:
    if rect.reviewer_id == user.id or "admin" in user.role_set:
        return True
    return bool(CHECK_ROLES & user.role_set) and can_see_unit(session, user, rect.unit_code)


def readable(session: Session, user: User, rectification_id: int) -> Rectification:
    rect = session.get(Rectification, rectification_id)
    if rect is None or not (unit_side(session, user, rect) or checker(session, user, rect)):
        raise _missing(rectification_id)
    return rect


def items_of(session: Session, rectification_id: int) -> list[RectificationItem]:
    stmt = select(RectificationItem).where(RectificationItem.rectification_id == rectification_id)
    return list(session.scalars(stmt.order_by(RectificationItem.item_id)))


def item_counts(session: Session, rectification_ids: Sequence[int]) -> dict[int, int]:
    """How many items each of the rectifications has, in one query."""
    if not rectification_ids:
        return {}
    stmt = (
        select(RectificationItem.rectification_id, func.count())
        .where(RectificationItem.rectification_id.in_(rectification_ids))
        .group_by(RectificationItem.rectification_id)
    )
    return {rid: int(n) for rid, n in session.execute(stmt).tuples()}


def visible(session: Session, user: User, status: str | None = None) -> list[Rectification]:
    """The caller's tasks: their units' (unit side), those they re-check, their subtree's (quality)."""
    stmt = select(Rectification)
    if "admin" not in user.role_set:
        units = visible_units(session, user) or frozenset()
        wide = (UNIT_ROLES | CHECK_ROLES) & user.role_set
        stmt = stmt.where(
            or_(Rectification.reviewer_id == user.id, Rectification.unit_code.in_(units if wide else set()))
        )
    if status is not None:
        stmt = stmt.where(Rectification.status == status)
    return list(session.scalars(stmt.order_by(Rectification.due_date, Rectification.rectification_id)))


def overdue(rect: Rectification, on: date) -> bool:
    closed_on = local_date(rect.closed_at) if rect.closed_at else None
    return sm.is_overdue(rect.status, rect.due_date, on, closed_on)


# --- open ------------------------------------------------------------------------------------------
def _open(
    session: Session,
    user: User,
    dossier: Dossier,
    findings: Sequence[Finding],
    *,
    source: str,
    reviewer_id: int,
    human_review_id: int | None = None,
    machine_review_id: int | None = None,
) -> Rectification | None:
    """A task when the deductions pass the threshold and the dossier has no unfinished one; else None."""
    on = today()
    province = province_of(session, dossier.unit_code)
    threshold = refdata.number("rectification_deduction_threshold", province, on)
    points = [f.points for f in findings]
    if not sm.needs_rectification(points, threshold):
        return None
    unfinished = select(Rectification.rectification_id).where(
        Rectification.dossier_id == dossier.dossier_id, Rectification.status.in_(UNFINISHED)
    )
    if session.scalar(unfinished.limit(1)) is not None:
        return None
    officers = session.scalars(
        select(CaseOfficer.officer_id)
        .where(CaseOfficer.case_id == dossier.case_id)
        .order_by(CaseOfficer.officer_id)
    )
    stamp = now()
    rect = Rectification(
        dossier_id=dossier.dossier_id,
        case_id=dossier.case_id,
        unit_code=dossier.unit_code,
        source=source,
        human_review_id=human_review_id,
        machine_review_id=machine_review_id,
        officer_ids=list(officers),
        deducted_points=sum(points, Decimal(0)),
        threshold=threshold,
        status="open",
        opened_by=user.id,
        reviewer_id=reviewer_id,
        opened_at=stamp,
        due_date=add_working_days(on, refdata.days("rectification_due_working_days", province, on)),
        rounds=0,
        updated_at=stamp,
    )
    audit.add_created(
        session, user, rect, action="open", entity="rectification", entity_id="rectification_id"
    )
    names = rule_names(session, dossier)
    for f in findings:
        item = RectificationItem(
            rectification_id=rect.rectification_id,
            rule_id=f.rule_id,
            rule_name_zh=names.get(f.rule_id),
            deducted_points=f.points,
            finding=f.text,
            status="pending",
            updated_at=stamp,
        )
        audit.add_created(
            session, user, item, action="open", entity="rectification_item", entity_id="item_id"
        )
    return rect


def rule_names(session: Session, dossier: Dossier) -> dict[str, str]:
    """Rule names of the rule set the dossier's machine review used (the current one without it)."""
    machine = hr.machine_review(session, dossier)
    try:
        view = rule_set(session, machine.rule_set_version) if machine else current_rule_set(session)
    except KeyError:
        view = current_rule_set(session)
    return {str(r["rule_id"]): str(r["name_zh"]) for r in view.rules.to_dict("records")}


def evidence_text(evidence: object) -> str | None:
    """The machine's evidence sentence of a finding (``{"sentence": …}``); plain text as it is."""
    if isinstance(evidence, dict):
        text = evidence.get("sentence") or evidence.get("note")
        return str(text) if text else None
    return str(evidence) if evidence else None


def _evidence(session: Session, dossier: Dossier) -> dict[str, str | None]:
    machine = hr.machine_review(session, dossier)
    return {
        str(f["rule_id"]): evidence_text(f.get("evidence")) for f in (machine.findings if machine else [])
    }


def after_human_review(
    session: Session, user: User, review: HumanReview, items: Sequence[HumanReviewItem]
) -> Rectification | None:
    """Called when a human review is submitted: its confirmed and added deductions."""
    dossier = session.get(Dossier, review.dossier_id)
    if dossier is None:
        return None
    evidence = _evidence(session, dossier)
    findings = [
        Finding(i.rule_id, Decimal(i.deducted_points), i.comment or evidence.get(i.rule_id) or None)
        for i in items
        if i.decision != "rejected" and (Decimal(i.deducted_points) > 0 or i.veto)
    ]
    return _open(
        session,
        user,
        dossier,
        findings,
        source="human_review",
        reviewer_id=user.id,
        human_review_id=review.review_id,
    )


def from_machine_review(session: Session, user: User, dossier_id: int) -> Rectification:
    """Quality staff accept the machine's failed findings of a dossier in their subtree as they stand."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or not can_see_unit(session, user, dossier.unit_code):
        raise NotFound("DOSSIER_NOT_FOUND", f"案卷不存在 / dossier {dossier_id} not found")
    machine: MachineReview | None = hr.machine_review(session, dossier)
    failed = [f for f in (machine.findings if machine else []) if f.get("outcome") == "failed"]
    findings = [
        Finding(
            str(f["rule_id"]),
            Decimal(str(f.get("deducted_points") or 0)),
            evidence_text(f.get("evidence")),
        )
        for f in failed
    ]
    rect = _open(
        session,
        user,
        dossier,
        findings,
        source="machine_review",
        reviewer_id=user.id,
        machine_review_id=machine.review_id if machine else None,
    )
    if rect is None:
        raise Conflict(
            "NO_RECTIFICATION",
            "扣分未超过整改阈值，或该案卷已有未办结的整改 / deductions within the threshold, or one is open",
        )
    return rect


# --- answer and re-check -----------------------------------------------------------------------------
def _lock(session: Session, rectification_id: int) -> Rectification:
    stmt = select(Rectification).where(Rectification.rectification_id == rectification_id).with_for_update()
    rect = session.scalars(stmt).one_or_none()
    if rect is None:
        raise _missing(rectification_id)
    return rect


def _apply(
    session: Session,
    user: User,
    rect: Rectification,
    states: dict[int, str],
    item_changes: dict[int, dict[str, object]],
    task_changes: dict[str, object],
    action: str,
) -> None:
    """Store new states and values of the changed items and of the task, each change audited."""
    stamp = now()
    for item in items_of(session, rect.rectification_id):
        if item.item_id not in item_changes:
            continue
        before = audit.snapshot(item)
        item.status = states[item.item_id]
        for key, value in item_changes[item.item_id].items():
            setattr(item, key, value)
        item.updated_at = stamp
        session.flush()
        audit.record_change(
            session,
            user,
            item,
            action=action,
            entity="rectification_item",
            entity_id=str(item.item_id),
            before=before,
        )
    before = audit.snapshot(rect)
    for key, value in task_changes.items():
        setattr(rect, key, value)
    rect.updated_at = stamp
    session.flush()
    audit.record_change(
        session,
        user,
        rect,
        action=action,
        entity="rectification",
        entity_id=str(rect.rectification_id),
        before=before,
    )


@dataclass(frozen=True)
class AnswerIn:
    item_id: int
    outcome: str
    text: str | None
    document_sha256: str | None = None
    document_name: str | None = None


def answer(session: Session, user: User, rectification_id: int, answers: Sequence[AnswerIn]) -> Rectification:
    rect = _lock(session, rectification_id)
    if not unit_side(session, user, rect):
        if checker(session, user, rect):
            raise forbidden("整改答复须由办案单位作出", "only the handling unit answers")
        raise _missing(rectification_id)
    for a in answers:
        if a.document_sha256 is not None and session.get(StoredFile, a.document_sha256) is None:
            raise Invalid("UNKNOWN_DOCUMENT", "补正材料未上传 / upload the document first", a.document_sha256)
    moves = [sm.Answer(a.item_id, a.outcome, a.text, a.document_sha256 is not None) for a in answers]
    current = {i.item_id: i.status for i in items_of(session, rectification_id)}
    try:
        states, status = sm.answer(rect.status, current, moves)
    except sm.RectificationError as err:
        raise _domain(err) from err
    stamp = now()
    item_changes: dict[int, dict[str, object]] = {
        a.item_id: {
            "outcome": a.outcome,
            "answer_text": (a.text or "").strip() or None,
            "document_sha256": a.document_sha256,
            "document_name": a.document_name if a.document_sha256 else None,
            "answered_by": user.id,
            "answered_at": stamp,
        }
        for a in answers
    }
    task: dict[str, object] = {"status": status}
    if status == "answered":
        task["answered_at"] = stamp
    _apply(session, user, rect, states, item_changes, task, "answer")
    return rect


def recheck(
    session: Session, user: User, rectification_id: int, checks: Sequence[sm.Recheck]
) -> Rectification:
    rect = _lock(session, rectification_id)
    if not checker(session, user, rect):
        if unit_side(session, user, rect):
            raise forbidden("整改复核须由评查人员作出", "only the reviewer re-checks")
        raise _missing(rectification_id)
    current = {i.item_id: i.status for i in items_of(session, rectification_id)}
    try:
        states, status = sm.recheck(rect.status, current, list(checks))
    except sm.RectificationError as err:
        raise _domain(err) from err
    stamp = now()
    item_changes: dict[int, dict[str, object]] = {
        c.item_id: {
            "recheck_reason": (c.reason or "").strip() or None,
            "rechecked_by": user.id,
            "rechecked_at": stamp,
        }
        for c in checks
    }
    returned = [c.reason.strip() for c in checks if c.decision == "return" and c.reason]
    task: dict[str, object] = {"status": status, "rounds": rect.rounds + 1}
    if status == "closed":
        task |= {"closed_at": stamp, "closed_by": user.id, "return_reason": None}
    else:
        task["return_reason"] = "；".join(returned)
    _apply(session, user, rect, states, item_changes, task, "recheck")
    return rect


def attach(
    session: Session, user: User, root: Path, rectification_id: int, data: bytes, media_type: str
) -> str:
    """Store a supplementary document (补正材料) for the unit's answer; returns its SHA-256."""
    rect = readable(session, user, rectification_id)
    if not unit_side(session, user, rect):
        raise _missing(rectification_id)
    if rect.status == "closed":
        raise Conflict("RECTIFICATION_CLOSED", "整改已办结，不能再答复 / already closed")
    if not data:
        raise Invalid("EMPTY_FILE", "文件为空 / empty file")
    return storage.put(session, root, data, media_type)
