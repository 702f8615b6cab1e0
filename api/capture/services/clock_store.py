"""The stored procedural deadlines (table ``case_deadlines``): kept equal to what ``clocks`` computes.

Every flush that adds or changes a case's clock columns, or a preservation / preservation-handling approval,
rewrites that case's rows in the same transaction with ``clocks.computed`` — the one definition of the clock
rules, so there is no SQL twin of them. A case the flush inserts is computed from its object instead of
re-read (``fresh``): nothing of it was stored before (foreign keys). Reference data with other time limits
(a fingerprint of the clock settings) makes ``ensure_current`` recompute every open case once, at start-up."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
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
_NEW = "clock_store.new"
_PROVINCES = "clock_store.provinces"


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


def new_cases(session: Session) -> dict[str, Case]:
    """The cases the pending flush inserts with no approval of theirs in it, by id: nothing of theirs is
    stored yet, so their deadlines follow from the objects alone — when their clock instants are stored as
    they are (none, naive UTC or UTC: SQLite keeps another offset's wall time, which the general path reads
    back)."""
    pending = (*session.new, *session.dirty, *session.deleted)
    approvals = {obj.case_id for obj in pending if isinstance(obj, Approval)}
    return {
        obj.case_id: obj
        for obj in session.new
        if isinstance(obj, Case)
        and obj.case_id not in approvals
        and all(
            v is None or v.utcoffset() in (None, timedelta(0))
            for v in (obj.discovered_at, obj.filed_at, obj.decided_at)
        )
    }


def _rows(deadlines: Iterable[clocks.Deadline]) -> list[dict[str, Any]]:
    """The stored rows of ``deadlines`` (each case's in rule order: ``ordinal``)."""
    rows: list[dict[str, Any]] = []
    ordinal: dict[str, int] = {}
    for d in deadlines:
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
    return rows


@contextmanager
def provinces_known(session: Session, provinces: dict[str, str]) -> Iterator[None]:
    """Inside the block, new cases' deadlines take their unit's province from ``provinces`` (unit →
    province, read before the write: ``users.province_of``), not from the unit tree under the writer."""
    session.info[_PROVINCES] = provinces
    try:
        yield
    finally:
        session.info.pop(_PROVINCES, None)


def fresh(session: Session, cases: Iterable[Case]) -> None:
    """Store the deadlines of cases just inserted (``new_cases``): from the objects as flushed, with no
    approvals and no earlier rows to delete — ``refresh``'s result without its reads."""
    if rows := _rows(clocks.deadlines_of(session, cases, session.info.get(_PROVINCES))):
        session.connection().execute(insert(CaseDeadline), rows)


def refresh(session: Session, case_ids: Iterable[str]) -> None:
    """Rewrite the stored deadlines of these cases from the cases and approvals as the session sees them."""
    conn = session.connection()
    provinces: dict[str, str] = {}
    for chunk in in_chunks(sorted(set(case_ids))):
        rows = _rows(clocks.computed(session, [Case.case_id.in_(chunk)], provinces))
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
        session.info[_NEW] = new_cases(session)  # this flush's only: an earlier failed flush's never were

    @event.listens_for(factory, "after_flush_postexec")
    def _rewrite(session: Session, _context: Any) -> None:
        ids, new = session.info.pop(_TOUCHED, set()), session.info.pop(_NEW, {})
        fresh(session, new.values())
        if rest := ids - new.keys():
            refresh(session, rest)

    @event.listens_for(factory, "after_rollback")
    def _dropped(session: Session) -> None:
        session.info.pop(_TOUCHED, None)
        session.info.pop(_NEW, None)
