"""The stored procedural deadlines (table ``case_deadlines``): kept equal to what ``clocks`` computes.

Every flush that adds or changes a case's clock columns, or a preservation / preservation-handling approval,
rewrites that case's rows in the same transaction with ``clocks.computed`` — the one definition of the clock
rules, so there is no SQL twin of them. Reference data with other time limits (a fingerprint of the clock
settings) makes ``ensure_current`` recompute every open case once, at start-up."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, event, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from api.capture.services import clocks
from api.core import refdata
from api.db import in_chunks, make_sessionmaker
from api.models import Approval, Case, CaseDeadline, ClockRules

CLOCK_ATTRS = ("unit_code", "status", "discovered_at", "filed_at", "decided_at", "extension_days")
CLOCK_SETTINGS = (
    "filing_days_after_discovery",
    "preservation_handling_days",
    "decision_days_after_filing",
    "service_days_after_decision",
)
_TOUCHED = "clock_store.touched"


def _changed(obj: Any, attrs: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def touched_cases(session: Session) -> set[str]:
    """The cases whose deadlines the pending flush may change."""
    out: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        clock_case = isinstance(obj, Case) and (obj in session.new or _changed(obj, CLOCK_ATTRS))
        if clock_case or (isinstance(obj, Approval) and obj.kind in clocks.PRESERVATION_KINDS):
            out.add(obj.case_id)
    return out


def refresh(session: Session, case_ids: Iterable[str]) -> None:
    """Rewrite the stored deadlines of these cases from the cases and approvals as the session sees them."""
    conn = session.connection()
    provinces: dict[str, str] = {}
    for chunk in in_chunks(sorted(set(case_ids))):
        rows: list[dict[str, Any]] = []
        ordinal: dict[str, int] = {}
        for d in clocks.computed(session, [Case.case_id.in_(chunk)], provinces):
            ordinal[d.case_id] = ordinal.get(d.case_id, -1) + 1
            rows.append(
                {
                    "case_id": d.case_id,
                    "ordinal": ordinal[d.case_id],
                    "unit_code": d.unit_code,
                    "what": d.what,
                    "due_on": d.due_on,
                }
            )
        conn.execute(delete(CaseDeadline).where(CaseDeadline.case_id.in_(chunk)))
        if rows:
            conn.execute(insert(CaseDeadline), rows)


def fingerprint() -> str:
    """The clock settings of every province and version, hashed: equal means the stored dates still hold."""
    settings = refdata.reference().settings
    rows = settings[settings["key"].isin(CLOCK_SETTINGS)]
    text = rows.sort_values(list(rows.columns)).to_csv(index=False)
    return hashlib.sha256(text.encode()).hexdigest()


def rebuild(session: Session) -> int:
    """Recompute the stored deadlines of every open case (and drop any other); returns the cases done."""
    session.execute(delete(CaseDeadline))
    ids = list(session.scalars(select(Case.case_id).where(Case.status.in_(clocks.OPEN))))
    refresh(session, ids)
    return len(ids)


def ensure_current(session: Session) -> None:
    """Rebuild once when the stored deadlines were computed with other clock settings (or never)."""
    wanted = fingerprint()
    row = session.get(ClockRules, "deadlines", with_for_update=True)
    if row is not None and row.fingerprint == wanted:
        return
    rebuild(session)
    if row is None:
        session.add(ClockRules(name="deadlines", fingerprint=wanted))
    else:
        row.fingerprint = wanted


def session_factory(
    engine: Engine, audit_secret: str | None = None, audit_checkpoints: Path | None = None
) -> sessionmaker[Session]:
    """The store's sessions (``api.db.make_sessionmaker``) that also keep the stored deadlines current: the
    app's, the CLI's and the jobs' (only the audit verification, which writes nothing, goes without)."""
    factory = make_sessionmaker(engine, audit_secret, audit_checkpoints)
    install(factory)
    return factory


def install(factory: sessionmaker[Session]) -> None:
    """Keep the stored deadlines current on every flush of this factory's sessions."""

    @event.listens_for(factory, "before_flush")
    def _collect(session: Session, _context: Any, _instances: Any) -> None:
        session.info.setdefault(_TOUCHED, set()).update(touched_cases(session))

    @event.listens_for(factory, "after_flush_postexec")
    def _rewrite(session: Session, _context: Any) -> None:
        ids = session.info.pop(_TOUCHED, None)
        if ids:
            refresh(session, ids)

    @event.listens_for(factory, "after_rollback")
    def _dropped(session: Session) -> None:
        session.info.pop(_TOUCHED, None)
