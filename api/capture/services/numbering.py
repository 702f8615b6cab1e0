"""Gap-free serials per unit, year and kind (case ids, filing and document numbers).

The counter row is bumped inside the caller's transaction, so a rolled-back request gives its
number back and two concurrent requests never see the same value: SQLite serialises writers with
BEGIN IMMEDIATE, PostgreSQL holds the row lock of the UPDATE until commit.
"""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.models import Counter

# built once, run on the session's connection: a plain statement, compiled once (no ORM update path)
_BUMP = (
    update(Counter)
    .where(
        Counter.unit_code == bindparam("u_code"),
        Counter.year == bindparam("u_year"),
        Counter.kind == bindparam("u_kind"),
    )
    .values(last_serial=Counter.last_serial + 1)
    .returning(Counter.last_serial)
)


def allocate(session: Session, unit_code: str, year: int, kind: str) -> int:
    params = {"u_code": unit_code, "u_year": year, "u_kind": kind}
    serial = session.connection().execute(_BUMP, params).scalar_one_or_none()
    if serial is not None:
        return int(serial)
    try:
        with session.begin_nested():
            session.add(Counter(unit_code=unit_code, year=year, kind=kind, last_serial=1))
        return 1
    except IntegrityError:  # another transaction created the row first: bump it instead
        return int(session.connection().execute(_BUMP, params).scalar_one())


def case_id(unit_code: str, year: int, serial: int) -> str:
    """``C`` + unit code + year + 5-digit serial (docs/conventions.md)."""
    return f"C{unit_code}{year}{serial:05d}"
