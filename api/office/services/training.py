"""Training (培训, issue #19 §2): a manager assigns a catalogue course to officers of their unit subtree with
a due date; the officer marks it done with a certificate or a score. Needs and effects are the warehouse's
(``fct_training_recommendations``, ``fct_training_effect``, read through ``api.platform.warehouse``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import uploads
from api.core import refdata
from api.core.errors import Conflict, Forbidden, Invalid, NotFound
from api.core.refdata import training_courses
from api.models import Officer, TrainingAssignment, User
from api.platform import warehouse
from api.platform.services import audit, storage
from api.platform.services.users import SUBTREE_ROLES, can_see_unit, province_of, visible_units
from zhifa.clock import now, today

ASSIGNERS = frozenset({"manager", "admin"})
CERTIFICATE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def course(course_id: str) -> dict[str, object]:
    found = training_courses().get(course_id)
    if found is None:
        raise Invalid(
            "TRAINING_COURSE_UNKNOWN", f"课程 {course_id} 不在课程目录中 / course not in the catalogue"
        )
    return found


def assign(
    session: Session, user: User, course_id: str, officer_ids: Sequence[str], due: date
) -> list[TrainingAssignment]:
    """One assignment per officer, all or none: an officer outside the caller's subtree reads as missing,
    one with the course still open is a conflict."""
    if not user.role_set & ASSIGNERS:
        raise Forbidden("FORBIDDEN", "只有管理人员可以分配培训 / only a manager assigns training")
    course(course_id)
    if due < today():
        raise Invalid("TRAINING_DUE_PAST", "完成期限不能早于今天 / the due date is in the past")
    longest = refdata.days("training_due_max_days", province_of(session, user.unit_code), today())
    if due > today() + timedelta(days=longest):
        raise Invalid(
            "TRAINING_DUE_FAR",
            f"完成期限不能晚于 {longest} 天后 / the due date is more than {longest} days away",
        )
    if len(set(officer_ids)) != len(officer_ids):
        raise Invalid("TRAINING_OFFICER_REPEATED", "同一人员重复 / an officer is listed twice")
    made = []
    for officer_id in officer_ids:
        officer = session.get(Officer, officer_id)
        if officer is None or not can_see_unit(session, user, officer.unit_code):
            raise NotFound("OFFICER_NOT_FOUND", f"执法人员 {officer_id} 不存在 / officer not found")
        if _open(session, officer_id, course_id) is not None:
            raise Conflict(
                "TRAINING_ALREADY_ASSIGNED",
                f"{officer.name} 已有未完成的该课程 / the officer already has this course open",
            )
        stamp = now()
        row = TrainingAssignment(
            course_id=course_id, officer_id=officer_id, unit_code=officer.unit_code, assigned_by=user.id,
            assigned_at=stamp, due_date=due, status="assigned", updated_at=stamp,
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.record_by(
            session, user, action="assign", entity="training_assignment",
            entity_id=str(row.assignment_id), after=audit.snapshot(row),
        )  # fmt: skip
        made.append(row)
    return made


def officers(session: Session, user: User) -> list[dict[str, str]]:
    """Officers of the caller's subtree a course can be assigned to, by unit and id."""
    stmt = select(Officer.officer_id, Officer.name, Officer.unit_code)
    units = visible_units(session, user)
    if units is not None:
        stmt = stmt.where(Officer.unit_code.in_(units))
    rows = session.execute(stmt.order_by(Officer.unit_code, Officer.officer_id)).tuples()
    return [{"officer_id": o, "name": n, "unit_code": u} for o, n, u in rows]


def _open(session: Session, officer_id: str, course_id: str) -> TrainingAssignment | None:
    return session.scalars(
        select(TrainingAssignment).where(
            TrainingAssignment.officer_id == officer_id,
            TrainingAssignment.course_id == course_id,
            TrainingAssignment.status == "assigned",
        )
    ).first()


def listed(session: Session, user: User, mine: bool) -> Sequence[TrainingAssignment]:
    """The caller's own assignments (``mine``), else those of officers in the caller's subtree."""
    stmt = select(TrainingAssignment)
    if mine:
        stmt = stmt.where(TrainingAssignment.officer_id == (user.officer_id or ""))
    else:
        units = visible_units(session, user)
        if units is not None:
            stmt = stmt.where(TrainingAssignment.unit_code.in_(units))
    return session.scalars(
        stmt.order_by(
            TrainingAssignment.status, TrainingAssignment.due_date, TrainingAssignment.assignment_id
        )
    ).all()


def complete(
    session: Session,
    user: User,
    root: Path,
    course_id: str,
    score: float | None,
    certificate: bytes | None,
) -> TrainingAssignment:
    """The caller (an officer) marks their open assignment of ``course_id`` done, with a score or a
    certificate (PDF, PNG or JPEG) or both; a course never assigned to them is refused."""
    course(course_id)
    if user.officer_id is None:
        raise Invalid("NOT_AN_OFFICER", "账号未关联执法人员 / this login is not linked to an officer")
    if score is None and certificate is None:
        raise Invalid(
            "TRAINING_EVIDENCE_MISSING", "请上传结业证书或填写考试成绩 / send a certificate or a score"
        )
    row = _open(session, user.officer_id, course_id)
    if row is None:
        raise Conflict(
            "TRAINING_NOT_ASSIGNED",
            f"课程 {course_id} 未分配给你或已完成，不能登记完成 / "
            "course not assigned to you (or already done)",
        )
    before = audit.snapshot(row)
    if certificate is not None:
        sniffed = uploads.sniff(certificate[:4096])
        if sniffed is None or sniffed[0] not in CERTIFICATE_TYPES:
            raise Invalid(
                "CERTIFICATE_TYPE", "证书须为 PDF、PNG 或 JPEG / certificate must be PDF, PNG or JPEG"
            )
        row.certificate_sha256 = storage.put(session, root, certificate, sniffed[0])
    stamp = now()
    row.score, row.status, row.completed_at, row.updated_at = score, "completed", stamp, stamp
    audit.record_change(
        session, user, row, action="complete", entity="training_assignment",
        entity_id=str(row.assignment_id), before=before,
    )  # fmt: skip
    return row


def needs(session: Session, user: User, snapshot: Path) -> tuple[str, list[dict[str, object]]]:
    """(source, rows): recommended courses of officers and units in the caller's subtree, with evidence."""
    units = visible_units(session, user)
    rows = warehouse.training_recommendations(snapshot, sorted(units) if units is not None else None)
    if rows is None:
        return "none", []
    if not user.role_set & SUBTREE_ROLES:  # an officer sees their own needs, not their colleagues'
        rows = [r for r in rows if r["level"] == "officer" and r["subject_id"] == user.officer_id]
    names = dict(session.execute(select(Officer.officer_id, Officer.name)).tuples().all())
    return "warehouse", [{**r, "subject_name": names.get(str(r["subject_id"]))} for r in rows]


def effect(snapshot: Path) -> tuple[str, list[dict[str, object]]]:
    rows = warehouse.training_effect(snapshot)
    return ("none", []) if rows is None else ("warehouse", rows)
