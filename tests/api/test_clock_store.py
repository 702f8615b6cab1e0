"""The stored procedural deadlines (``case_deadlines``) equal the ones computed from scratch after every kind
of clock-changing write — generated sequences of case and approval events, some rolled back — and after
new clock settings (``ensure_current``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.capture.services import clock_store, clocks
from api.core import refdata
from api.db import session_scope
from api.models import Approval, Case, CaseDeadline, ClockRules, Unit, User
from zhifa.clock import now, today

UNITS = ("410122", "410100", "410200")
day = st.integers(min_value=0, max_value=120)
pick = st.integers(min_value=0, max_value=3)  # which case: 0 the newest, 1 the one before, …
EVENTS = st.one_of(
    st.tuples(st.just("open"), day, st.sampled_from(UNITS)),
    st.tuples(st.just("file"), pick, day),
    st.tuples(st.just("extend"), pick, st.integers(min_value=0, max_value=60)),
    st.tuples(st.just("decide"), pick, day),
    st.tuples(st.just("status"), pick, st.sampled_from(("filed", "investigating", "served", "closed"))),
    st.tuples(st.just("transfer"), pick, st.sampled_from(UNITS)),
    st.tuples(st.just("request"), pick, st.sampled_from(clocks.PRESERVATION_KINDS)),
    st.tuples(st.just("answer"), pick, st.sampled_from(("approved", "rejected")), day),
    st.tuples(st.just("party"), pick, st.text(max_size=5)),  # no clock column: nothing may change
)

# every example starts with an open, a filed and a preserved case, so each event finds a clock to move
PRELUDE = [
    ("open", 3, "410122"),
    ("open", 40, "410100"),
    ("open", 20, "410122"),
    ("file", 1, 100),
    ("request", 2, "preservation"),
    ("answer", 2, "approved", 4),
]


def _apply(s: Session, event: tuple[Any, ...], user_id: int, serial: int) -> None:
    t = now()
    if event[0] == "open":
        _, ago, unit = event
        at = t - timedelta(days=ago)
        s.add(
            Case(
                case_id=f"PROP{serial:06d}", unit_code=unit, violation_code="NON_DESIGNATED_SOURCE",
                discovered_at=at, seized_on=at.date(), created_by=user_id, created_at=t, updated_at=t,
            )
        )  # fmt: skip
        return
    ids = list(s.scalars(select(Case.case_id).where(Case.case_id.like("PROP%")).order_by(Case.case_id)))
    if not ids:
        return
    case = s.get_one(Case, ids[-1 - event[1] % min(len(ids), 4)])
    match event:
        case ("file", _, ago):
            case.filed_at, case.status = t - timedelta(days=ago), "investigating"
        case ("extend", _, days):
            case.extension_days = days
        case ("decide", _, ago):
            case.decided_at, case.status = t - timedelta(days=ago), "decided"
        case ("status", _, status):
            case.status = status
        case ("transfer", _, unit):
            case.unit_code = unit
        case ("request", _, kind):
            s.add(Approval(case_id=case.case_id, kind=kind, requested_by=user_id, requested_at=t))
        case ("answer", _, outcome, ago):
            latest = s.scalars(
                select(Approval)
                .where(Approval.case_id == case.case_id, Approval.outcome == "pending")
                .order_by(Approval.approval_id.desc())
            ).first()
            if latest is not None:
                latest.outcome, latest.decided_by = outcome, user_id
                latest.decided_at = t - timedelta(days=ago)
        case ("party", _, name):
            case.party_name = name


def _stored_equals_computed(s: Session) -> None:
    admin = s.scalars(select(User).where(User.username == "admin")).one()
    computed = clocks.deadlines(s, None)
    assert clocks.due(s, admin, today()) == computed
    soon = 7
    expected = [d for d in computed if d.days_left(today()) <= soon]
    assert clocks.due_counts(s, admin, today(), within_days=soon) == (
        len(expected),
        sum(d.days_left(today()) < 0 for d in expected),
    )


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.tuples(EVENTS, st.booleans()), min_size=1, max_size=8))
def test_stored_deadlines_equal_computed_after_any_events(app: Any, events: list[Any]) -> None:
    factory = app.state.sessionmaker
    with factory() as s:
        user_id = s.scalars(select(User.id).where(User.username == "li")).one()
        mine = select(Case.case_id).where(Case.case_id.like("PROP%"))
        serial = s.scalar(mine.order_by(Case.case_id.desc()))
    start = int(serial[4:]) + 1 if serial else 0
    for n, (event, roll_back) in enumerate([*((e, False) for e in PRELUDE), *events]):
        s = factory()
        try:
            _apply(s, event, user_id, start + n)
            s.flush()  # the hook runs on flush: a rolled-back flush must leave nothing behind
            if roll_back:
                s.rollback()
            else:
                s.commit()
        finally:
            s.close()
        with factory() as check:
            _stored_equals_computed(check)


def test_new_clock_settings_recompute_once(app: Any, monkeypatch: Any) -> None:
    factory = app.state.sessionmaker
    with session_scope(factory) as s:
        user_id = s.scalars(select(User.id).where(User.username == "li")).one()
        for n, event in enumerate([("open", 30, "410122"), ("open", 2, "410100"), ("file", 1, 95)]):
            _apply(s, event, user_id, n)
            s.flush()
    with session_scope(factory) as s:
        s.execute(update(CaseDeadline).values(due_on=today()))  # a stale store …
        clock_store.ensure_current(s)  # … kept while the clock settings are the same
        assert set(s.scalars(select(CaseDeadline.due_on))) == {today()}
    monkeypatch.setattr(clock_store, "fingerprint", lambda: "other settings")
    with session_scope(factory) as s:
        clock_store.ensure_current(s)
        assert s.get_one(ClockRules, "deadlines").fingerprint == "other settings"
    with factory() as s:
        assert len(clocks.deadlines(s, None)) == 2  # filing of one case, decision of the other
        _stored_equals_computed(s)


# Where a store session factory may be made without the deadline hooks: its definition, the factory that
# adds them, and the audit verification (it reads, never writes a case).
PLAIN_FACTORIES = {"api/db.py", "api/capture/services/clock_store.py", "api/platform/services/audit.py"}


def test_every_writer_of_the_store_keeps_the_deadlines() -> None:
    """A new entry point that opened the store with a plain session factory would write cases whose stored
    deadlines nobody rewrites: the application code makes its factories through clock_store only."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = set()
    for package in ("api", "cli", "dagster_defs", "ingestion", "zhifa", "dashboards"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func  # SQLAlchemy's sessionmaker(...) or our make_sessionmaker(...), not
                # app.state.sessionmaker() — that one is the app's factory, made by clock_store
                if (isinstance(func, ast.Name) and func.id in ("sessionmaker", "make_sessionmaker")) or (
                    isinstance(func, ast.Attribute) and func.attr == "make_sessionmaker"
                ):
                    found.add(str(path.relative_to(root)))
    assert found - PLAIN_FACTORIES == set()
    assert "api/capture/services/clock_store.py" in found  # the scan sees the one that must be there


def test_new_cases_store_what_the_general_refresh_computes(app: Any, monkeypatch: Any) -> None:
    """A case's deadlines stored from its object at its insert (``clock_store.fresh``) are the rows the
    general path (``refresh``: read back and recomputed) writes: every clock and status, units of two
    provinces with time limits that differ by province and start date, instants naive, UTC and at +08:00 (a
    late evening there is another UTC day: left to the general path), then a preservation approved."""

    def days(key: str, province: str, on: Any) -> int:  # a limit for each key, province and start date
        return (
            clock_store.CLOCK_SETTINGS.index(key) + (9 if province == "420000" else 0) + on.toordinal() % 11
        )

    monkeypatch.setattr(refdata, "days", days)
    t = now().replace(microsecond=0)
    east8 = timezone(timedelta(hours=8))
    clocks_of = [  # status, discovered_at, filed_at, decided_at, extension_days
        ("filed", t - timedelta(days=3), None, None, 0),
        ("filed", (t - timedelta(days=5)).replace(tzinfo=None), None, None, 0),
        ("investigating", t - timedelta(days=40), t - timedelta(days=33), None, 15),
        ("filed", t - timedelta(days=20), (t - timedelta(days=19)).replace(tzinfo=None), None, 0),
        ("decided", t - timedelta(days=90), t - timedelta(days=80), t - timedelta(days=2), 30),
        ("served", t - timedelta(days=90), t - timedelta(days=80), t - timedelta(days=9), 0),
        ("closed", t - timedelta(days=200), None, None, 0),
        ("filed", datetime(2026, 3, 1, 23, 30, tzinfo=east8), None, None, 0),
    ]
    with session_scope(app.state.sessionmaker) as s:
        s.add(Unit(unit_code="420000", name="湖北省局", level="province", path="/420000/"))
        s.add(
            Unit(
                unit_code="420100",
                name="武汉市局",
                level="city",
                parent_code="420000",
                path="/420000/420100/",
            )
        )
    with session_scope(app.state.sessionmaker) as s:
        user_id = s.scalars(select(User.id).where(User.username == "li")).one()
        ids = []
        for n, (status, found, filed, decided, extension) in enumerate(clocks_of * 2):
            ids.append(f"NEW{n:03d}")
            s.add(
                Case(
                    case_id=ids[-1], unit_code=("410122", "420100")[n // len(clocks_of)], status=status,
                    violation_code="NON_DESIGNATED_SOURCE", discovered_at=found, seized_on=found.date(),
                    filed_at=filed, decided_at=decided, extension_days=extension, created_by=user_id,
                    created_at=t, updated_at=t,
                )
            )  # fmt: skip
        assert set(clock_store.new_cases(s)) == set(ids) - {ids[len(clocks_of) - 1], ids[-1]}  # +08:00
        s.flush()
        s.add(
            Approval(case_id=ids[0], kind="preservation", requested_by=user_id, requested_at=t,
                     outcome="approved", decided_by=user_id, decided_at=t)
        )  # fmt: skip
        s.flush()
        rows = select(CaseDeadline).order_by(CaseDeadline.case_id, CaseDeadline.ordinal)
        stored = [(r.case_id, r.ordinal, r.unit_code, r.what, r.due_on) for r in s.scalars(rows)]
        clock_store.refresh(s, ids)
        s.expire_all()
        assert [(r.case_id, r.ordinal, r.unit_code, r.what, r.due_on) for r in s.scalars(rows)] == stored
        whats = {what for _, _, _, what, _ in stored}
        assert (
            len(whats) == 4 and len(stored) == 13 and {u for _, _, u, _, _ in stored} == {"410122", "420100"}
        )
