"""Login throttling (issue #12 §2.7): per username and per client address, counted in the store so every
worker sees the same failures; the answers never tell whether a username exists."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from apitest_support import PASSWORD
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from api.core.config import ApiSettings
from api.main import create_app
from api.models import AuditEntry, LoginFailure

WINDOW = 600


def _app(settings: Any, **limits: int) -> Any:
    values = {"login_window_seconds": WINDOW, "login_max_failures": 3, "login_max_failures_per_address": 100}
    return create_app(settings, ApiSettings(**(values | limits)))


@pytest.fixture
def throttled(settings: Any) -> Iterator[Any]:
    app = _app(settings)
    yield app
    app.state.engine.dispose()


def _login(client: TestClient, username: str, password: str = "wrong-password") -> Any:
    return client.post("/auth/token", data={"username": username, "password": password})


def test_failures_per_user_meet_429_alike_for_unknown_users(throttled: Any) -> None:
    with TestClient(throttled) as client:
        answers: dict[str, list[Any]] = {"li": [], "nobody-here": []}
        for name, got in answers.items():
            got.extend(_login(client, name) for _ in range(3))
            got.append(_login(client, name, PASSWORD))  # even the right password now waits
        for name, got in answers.items():
            assert [r.status_code for r in got] == [401, 401, 401, 429], name
            assert {r.json()["code"] for r in got[:3]} == {"BAD_CREDENTIALS"}
            assert got[3].json()["code"] == "TOO_MANY_ATTEMPTS"
            wait = int(got[3].headers["Retry-After"])
            assert WINDOW - 60 <= wait <= WINDOW, wait  # until the first failure leaves the window
        known, unknown = answers["li"], answers["nobody-here"]
        assert [r.json() for r in known[:3]] == [r.json() for r in unknown[:3]]  # same bodies
        assert set(known[3].headers) == set(unknown[3].headers)
        # another user behind the same address is not locked out by li's failures
        assert _login(client, "wang", PASSWORD).status_code == 200
    with throttled.state.sessionmaker() as s:
        failed = s.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).all()
        assert sorted(e.entity_id for e in failed) == ["li"] * 3 + ["nobody-here"] * 3
        assert {e.username for e in failed} == {None}  # nobody logged in: no actor
        assert s.scalar(select(func.count()).select_from(LoginFailure)) == 6


def test_window_expiry_and_success_reset(throttled: Any) -> None:
    with TestClient(throttled) as client:
        assert [_login(client, "li").status_code for _ in range(3)] == [401] * 3
        assert _login(client, "li", PASSWORD).status_code == 429
        with throttled.state.sessionmaker() as s:  # the failures age past the window
            s.execute(update(LoginFailure).values(at=LoginFailure.at - timedelta(seconds=WINDOW + 1)))
            s.commit()
        assert _login(client, "li", PASSWORD).status_code == 200
        # two failures, then a success: the user's count starts again
        assert [_login(client, "li").status_code for _ in range(2)] == [401] * 2
        assert _login(client, "li", PASSWORD).status_code == 200
        assert [_login(client, "li").status_code for _ in range(3)] == [401] * 3


def test_failures_per_address_across_usernames(settings: Any) -> None:
    app = _app(settings, login_max_failures=100, login_max_failures_per_address=4)
    with TestClient(app) as client:
        assert [_login(client, f"guess{i}").status_code for i in range(4)] == [401] * 4
        r = _login(client, "li", PASSWORD)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    app.state.engine.dispose()


def test_failures_are_shared_by_every_worker(settings: Any) -> None:
    """Two app instances on one store, like two uvicorn workers: failures seen by one count for the other."""
    first, second = _app(settings), _app(settings)
    with TestClient(first) as a, TestClient(second) as b:
        assert [_login(a, "li").status_code, _login(b, "li").status_code, _login(a, "li").status_code] == [
            401
        ] * 3
        assert _login(b, "li", PASSWORD).status_code == 429
    for app in (first, second):
        app.state.engine.dispose()


def test_unknown_users_take_as_long_as_known_ones(settings: Any) -> None:
    """A wrong password for a real user and any password for an unknown one cost the same work (a password
    hash check and a recorded failure): their medians stay within a factor of three (skipping the hash
    would make unknown users ~100 times faster) on a busy machine."""
    app = _app(settings, login_max_failures=1000, login_max_failures_per_address=1000)
    with TestClient(app) as client:
        _login(client, "li")  # warm-up
        timings: dict[str, list[float]] = {"li": [], "nobody-here": []}
        for _ in range(7):
            for name, spent in timings.items():
                began = time.perf_counter()
                assert _login(client, name).status_code == 401
                spent.append(time.perf_counter() - began)
    app.state.engine.dispose()
    known, unknown = (statistics.median(v) for v in timings.values())
    assert 1 / 3 < known / unknown < 3, (known, unknown)
