"""执法考评 (issue #19 §3): monthly scorecards from the published warehouse snapshot (marts.fct_scorecards and
fct_scorecard_components, read through ``api.platform.warehouse``). A person sees their own; a manager (or
admin) also sees the people and units of their subtree — a scorecard in a unit outside it is answered as
missing, like any foreign row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from api.core.errors import NotFound
from api.models import User
from api.platform import warehouse
from api.platform.services.users import visible_units

Rows = list[dict[str, object]]
MANAGERS = frozenset({"manager", "admin"})


def _with_components(cards: Rows, parts: Rows) -> Rows:
    by_card: dict[tuple[object, ...], Rows] = {}
    for p in parts:
        by_card.setdefault((p["role"], p["person_id"], p["unit_code"], p["month"]), []).append(p)
    return [
        {**c, "components": by_card.get((c["role"], c["person_id"], c["unit_code"], c["month"]), [])}
        for c in cards
    ]


def _in(units: frozenset[str] | None, rows: Rows) -> Rows:
    return [r for r in rows if units is None or r["unit_code"] in units]


def person(session: Session, user: User, snapshot: Path, person_id: str | None) -> tuple[str, Rows]:
    """(source, scorecards with components) of ``person_id`` (default: the caller's own officer id)."""
    own = person_id is None or person_id == user.officer_id
    if not own and not (user.role_set & MANAGERS):
        raise NotFound("SCORECARD_NOT_FOUND", f"无此人员考评 / no scorecard of {person_id}")
    who = user.officer_id if person_id is None else person_id
    if who is None:  # an account without an officer record has no scorecard of its own
        return "none" if not snapshot.exists() else "warehouse", []
    found = warehouse.scorecards(snapshot, "officer", who, None, with_components=True)
    if found is None:
        return "none", []
    cards = found[0] if own else _in(visible_units(session, user), found[0])
    if not own and not cards:
        raise NotFound("SCORECARD_NOT_FOUND", f"无此人员考评 / no scorecard of {person_id}")
    return "warehouse", _with_components(cards, found[1])


def team(session: Session, user: User, snapshot: Path, month: date | None) -> tuple[str, date | None, Rows]:
    """(source, month, scorecards) of the units (with their components) and officers (totals) of the
    manager's subtree in ``month`` (default: the latest month with a unit scorecard in scope)."""
    units = visible_units(session, user)
    if month is None:
        found = warehouse.scorecards(snapshot, "unit", None, None, with_components=False)
        if found is None:
            return "none", None, []
        months = [r["month"] for r in _in(units, found[0]) if isinstance(r["month"], date)]
        if not months:
            return "warehouse", None, []
        month = max(months)
    rows: Rows = []
    for level in ("unit", "officer"):
        found = warehouse.scorecards(snapshot, level, None, month, with_components=level == "unit")
        if found is None:
            return "none", month, []
        rows += _with_components(_in(units, found[0]), found[1])
    return "warehouse", month, rows
