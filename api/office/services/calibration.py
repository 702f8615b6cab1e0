"""Reviewer calibration for the quality team (issue #17): who scores leniently or harshly against the other
reviews of the same dossiers, with the interval — from the warehouse mart ``fct_reviewer_calibration``
(read through ``api.platform.warehouse``), kept to reviewers of the caller's unit subtree."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Officer, User
from api.platform import warehouse
from api.platform.services.users import visible_units


def calibration(
    session: Session, user: User, snapshot: Path, year: int | None
) -> tuple[str, list[dict[str, object]]]:
    """(source, rows): ``warehouse`` with the rows in scope, or ``none`` without a published snapshot."""
    rows = warehouse.reviewer_calibration(snapshot, year)
    if rows is None:
        return "none", []
    units = visible_units(session, user)
    stmt = select(Officer.officer_id, Officer.name, Officer.unit_code)
    if units is not None:
        stmt = stmt.where(Officer.unit_code.in_(units))
    officers = {o: (name, unit) for o, name, unit in session.execute(stmt).tuples()}
    out = []
    for row in rows:
        known = officers.get(str(row["reviewer_id"]))
        if known is not None:  # a reviewer outside the scope (or unknown here) is left out
            out.append({**row, "reviewer_name": known[0], "unit_code": known[1]})
    return "warehouse", out
