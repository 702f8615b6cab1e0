"""Tokens with malformed claims, foreign vs missing case ids, the quality role and private files
(issue #12 §2.8 JWT part, §2.11)."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from apitest_support import PASSWORD, SECRET, case_body
from fastapi.testclient import TestClient

from api.main import create_app
from api.models import Unit
from api.platform.services.users import create_user
from zhifa.clock import now
from zhifa.private import private_dir, private_file
from zhifa.settings import Settings


def _signed(**claims: Any) -> dict[str, str]:
    base: dict[str, Any] = {"exp": now() + timedelta(minutes=5)}
    token = jwt.encode({**base, **claims}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": str(2**70)},  # beyond any INTEGER id: used to overflow the store (500)
        {"sub": str(2**31)},
        {"sub": "-1"},
        {"sub": "0"},
        {"sub": " 1"},
        {"sub": "1.0"},
        {"sub": "١"},  # an Arabic-Indic digit: int() would accept it
        {"sub": 1},  # a number, not a string
        {"sub": ["1"]},
        {"sub": None},
        {"sub": ""},
        {"sub": "1", "exp": "tomorrow"},
        {"sub": "1", "exp": float("inf")},
        {"sub": "1", "exp": -1},
        {"sub": "1", "iat": "yesterday"},
        {"sub": "1", "nbf": [1]},
        {},
    ],
    ids=repr,
)
def test_malformed_claims_are_401(client: TestClient, claims: dict[str, Any]) -> None:
    r = client.get("/auth/me", headers=_signed(**claims))
    assert r.status_code == 401, r.text
    assert r.json()["code"] == "INVALID_TOKEN"


def test_well_formed_token_still_works(client: TestClient, as_user: Any) -> None:
    me = client.get("/auth/me", headers=as_user("li")).json()
    assert client.get("/auth/me", headers=_signed(sub=str(me["id"]))).json()["username"] == "li"


def test_foreign_and_missing_case_answer_the_same_body(client: TestClient, as_user: Any) -> None:
    r = client.post("/cases", json=case_body(), headers=as_user("li"))
    assert r.status_code == 201, r.text
    foreign = r.json()["case_id"]
    missing = foreign[:-4] + ("9999" if not foreign.endswith("9999") else "9998")
    kaifeng = as_user("kaifeng")
    for path in ("", "/valuation", "/discretion", "/dossier", "/transitions/closed"):
        a = client.get(f"/cases/{foreign}{path}", headers=kaifeng)
        b = client.get(f"/cases/{missing}{path}", headers=kaifeng)
        assert (a.status_code, a.json()) == (b.status_code, b.json()) == (404, a.json()), path
        assert foreign not in a.text and missing not in b.text
    assert client.get(f"/cases/{foreign}", headers=as_user("wang")).status_code == 200  # own unit: found


def test_admin_can_grant_quality(client: TestClient, as_user: Any) -> None:
    body = {"username": "pingcha", "password": PASSWORD, "unit_code": "410000", "roles": ["quality"]}
    r = client.post("/users", json=body, headers=as_user("admin"))
    assert r.status_code == 201, r.text
    assert r.json()["roles"] == "quality"
    r = client.post("/users", json={**body, "username": "x2", "roles": []}, headers=as_user("admin"))
    assert r.status_code == 422


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_and_checkpoints_are_private(tmp_path: Path) -> None:
    """A new SQLite store and the audit checkpoints are 0600 in 0700 folders, whatever the umask."""
    home = tmp_path / "fresh-home"
    old = os.umask(0o022)
    try:
        settings = Settings(home=home, secret_key=SECRET)
        app = create_app(settings)
        with app.state.sessionmaker() as s:
            s.add(Unit(unit_code="410000", name="河南省烟草专卖局", level="province", path="/410000/"))
            s.flush()
            create_user(s, "first", PASSWORD, "410000", ["admin"])
            s.commit()
        app.state.engine.dispose()
    finally:
        os.umask(old)
    database = home / "api.sqlite3"
    assert _mode(database) == 0o600 and _mode(home) == 0o700
    assert all(_mode(p) == 0o600 for p in home.glob("api.sqlite3*"))  # -wal and -shm too
    checkpoints = settings.audit_checkpoints_path
    assert _mode(checkpoints) == 0o600 and _mode(checkpoints.parent) == 0o700


def test_a_store_in_a_shared_folder_leaves_the_folder_alone(tmp_path: Path) -> None:
    """A store put straight into a /tmp-like folder (sticky, world-writable) is private itself, and the folder
    keeps its mode: tightening /tmp to 0700 once locked PostgreSQL's test cluster out of it."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    kept = tmp_path / "kept"  # an existing folder of someone else's habits: not ours to change either
    kept.mkdir()
    kept.chmod(0o755)
    for folder in (shared, kept):
        private_file(folder / "api.sqlite3")
        assert _mode(folder / "api.sqlite3") == 0o600
    assert shared.stat().st_mode & 0o7777 == 0o1777
    assert _mode(kept) == 0o755
    private_dir(shared / "secrets")
    assert _mode(shared / "secrets") == 0o700
    private_dir(shared)  # asked for explicitly, a shared folder is still not taken over
    assert shared.stat().st_mode & 0o7777 == 0o1777
