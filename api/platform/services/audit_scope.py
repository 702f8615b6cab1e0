"""Whose audit entry it is, and what of it a reader may see (issue #12 §2.1).

Written with every entry: ``unit_code``, the unit the entry's data belongs to (a case's or dossier's
handling unit, a user's unit, a plan's owner; else the acting user's unit), and, for entries carrying
human-review scores, ``review_unit``, the reviewing level (the publishing unit of the review task, else
of the dossier's latest task, else the unit of whoever submitted). Both are covered by the entry's HMAC.

Read by ``GET /audit``: managers and quality staff see the entries of their unit subtree, administrators
all; party identifiers are masked for everyone, as the case routes never return them; review scores only
to administrators and to quality staff whose subtree holds the reviewing unit.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import AuditEntry, Case, Dossier, ReviewTask, SamplingPlan, User

MASK = "***"
# never shown: CaseOut leaves them out for every role
PARTY_IDENTIFIERS = frozenset({"party_id_no", "phone"})
# a human review's outcome: blind re-reviews and calibration depend on who may read them
REVIEW_SCORES = frozenset(
    {"total_score", "grade", "veto", "comment", "final_score", "final_grade", "final_rule"}
)
SCORED_ENTITIES = frozenset({"human_review", "dossier"})  # the tables holding those columns


def _case_unit(session: Session, case_id: Any) -> str | None:
    unit = session.scalar(select(Case.unit_code).where(Case.case_id == str(case_id)))
    return unit or session.scalar(select(Dossier.unit_code).where(Dossier.case_id == str(case_id)))


def _dossier_unit(session: Session, dossier_id: Any) -> str | None:
    dossier = session.get(Dossier, int(dossier_id)) if str(dossier_id).isdigit() else None
    return dossier.unit_code if dossier else None


def _data_unit(session: Session, entity: str, entity_id: str, row: dict[str, Any]) -> str | None:
    if row.get("unit_code"):
        return str(row["unit_code"])
    if row.get("case_id"):
        return _case_unit(session, row["case_id"])
    if row.get("dossier_id"):
        return _dossier_unit(session, row["dossier_id"])
    if row.get("plan_id"):
        plan = session.get(SamplingPlan, int(row["plan_id"]))
        return plan.unit_code if plan else None
    if entity == "case_item":
        return _case_unit(session, entity_id.split("#", 1)[0])
    if entity == "dossier":
        return _dossier_unit(session, entity_id)
    if entity == "login":
        return session.scalar(select(User.unit_code).where(User.username == entity_id))
    return None


def units_of(
    session: Session,
    user_id: int | None,
    entity: str,
    entity_id: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> tuple[str | None, str | None]:
    """(unit_code, review_unit) of a new entry, from its before/after values."""
    row = {**before, **after}
    actor = session.get(User, user_id) if user_id is not None else None
    unit = _data_unit(session, entity, entity_id, row) or (actor.unit_code if actor else None)
    if entity not in SCORED_ENTITIES or not REVIEW_SCORES & {k for k, v in row.items() if v is not None}:
        return unit, None
    if row.get("task_id"):
        reviewing = session.scalar(
            select(ReviewTask.publisher_unit).where(ReviewTask.task_id == row["task_id"])
        )
    else:  # a dossier's final score: the level that published its latest review task
        dossier_id = row.get("dossier_id") or entity_id
        latest = select(ReviewTask.publisher_unit).where(ReviewTask.dossier_id == int(dossier_id))
        reviewing = session.scalar(latest.order_by(ReviewTask.task_id.desc()).limit(1))
    reviewing = reviewing or (actor.unit_code if actor else None)
    return unit, reviewing


def _hide(value: Any, keys: frozenset[str]) -> Any:
    """``value`` with every ``keys`` entry masked, at any depth (an approval's payload is nested)."""
    if isinstance(value, dict):
        return {k: (MASK if k in keys and v is not None else _hide(v, keys)) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide(v, keys) for v in value]
    return value


def masked(text: str | None, keys: frozenset[str]) -> str | None:
    """A stored before/after JSON text with ``keys`` masked."""
    if text is None:
        return None
    try:
        values = json.loads(text)
    except ValueError:  # entries are written as JSON; anything else is shown as stored
        return text
    return json.dumps(_hide(values, keys), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def readable_entries(
    session: Session, user: User, entity: str | None, entity_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """The newest ``limit`` entries ``user`` may read, masked for them."""
    from api.platform.services.users import (  # users → audit → here: import when used
        can_see_unit,
        visible_units,
    )

    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    units = visible_units(session, user)
    if units is not None:
        stmt = stmt.where(AuditEntry.unit_code.in_(sorted(units)))
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    admin, quality = "admin" in user.role_set, "quality" in user.role_set
    out = []
    for e in session.scalars(stmt):
        hide = PARTY_IDENTIFIERS
        if e.review_unit is not None and not (
            admin or (quality and can_see_unit(session, user, e.review_unit))
        ):
            hide = PARTY_IDENTIFIERS | REVIEW_SCORES
        row = {
            c: getattr(e, c) for c in ("seq", "at", "username", "action", "entity", "entity_id", "unit_code")
        }
        out.append({**row, "hash": e.hash, "before": masked(e.before, hide), "after": masked(e.after, hide)})
    return out
