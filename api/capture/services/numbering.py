"""Gap-free serials per unit, year and kind (case ids, filing and document numbers).

The counter row is bumped inside the caller's transaction, so a rolled-back request gives its
number back and two concurrent requests never see the same value: SQLite serialises writers with
BEGIN IMMEDIATE, PostgreSQL holds the row lock of the UPDATE until commit.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.models import Counter


def allocate(session: Session, unit_code: str, year: int, kind: str) -> int:
    bump = (
        update(Counter)
        .where(Counter.unit_code == unit_code, Counter.year == year, Counter.kind == kind)
        .values(last_serial=Counter.last_serial + 1)
        .returning(Counter.last_serial)
        .execution_options(synchronize_session=False)
    )
    serial = session.execute(bump).scalar_one_or_none()
    if serial is not None:
        return int(serial)
    try:
        with session.begin_nested():
            session.add(Counter(unit_code=unit_code, year=year, kind=kind, last_serial=1))
        return 1
    except IntegrityError:  # another transaction created the row first: bump it instead
        return int(session.execute(bump).scalar_one())


def case_id(unit_code: str, year: int, serial: int) -> str:
    """``C`` + unit code + year + 5-digit serial (docs/conventions.md)."""
    return f"C{unit_code}{year}{serial:05d}"
