"""The audit chain's HMAC covers every column, and signed checkpoints outside the store catch a cut tail
with a reset head (issue #12 §2.10), through the API's verify and `zhifa audit verify`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from apitest_support import SECRET, case_body
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.platform.services import audit
from api.platform.services.audit import verify_chain


def _history(client: TestClient, as_user: Any) -> str:
    li = as_user("li")
    r = client.post("/cases", json=case_body(), headers=li)
    assert r.status_code == 201, r.text
    case_id = str(r.json()["case_id"])
    for name in ("王五", "赵六", "钱七"):
        assert client.patch(f"/cases/{case_id}", json={"party_name": name}, headers=li).status_code == 200
    return case_id


def _problems(app: Any) -> list[str]:
    with app.state.sessionmaker() as s:
        return verify_chain(s).problems


def _cli_verify(settings: Any) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ZHIFA_HOME": str(settings.home),
        "ZHIFA_DATABASE_URL": settings.api_database_url,
        "ZHIFA_SECRET_KEY": SECRET,
    }
    cmd = [sys.executable, "-m", "cli", "audit", "verify"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "column, value", [("username", "'wang'"), ("unit_code", "'410200'"), ("user_id", "2")]
)
def test_every_column_is_covered(client: TestClient, app: Any, as_user: Any, column: str, value: str) -> None:
    _history(client, as_user)
    assert _problems(app) == []
    with app.state.engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_log SET {column} = {value} WHERE action = 'update'"))
    assert any("edited" in p for p in _problems(app))


def test_truncated_tail_with_reset_head_is_caught(
    client: TestClient, app: Any, as_user: Any, settings: Any
) -> None:
    _history(client, as_user)
    checkpoints = settings.audit_checkpoints_path.read_text().splitlines()
    assert len(checkpoints) >= 4  # one per committed write
    assert _cli_verify(settings).returncode == 0
    with app.state.engine.begin() as conn:  # drop the last two entries and point the head at what is left
        last = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()
        conn.execute(text("DELETE FROM audit_log WHERE seq > :k"), {"k": last - 2})
        kept = conn.execute(text("SELECT hash FROM audit_log WHERE seq = :k"), {"k": last - 2}).scalar_one()
        conn.execute(
            text("UPDATE audit_head SET seq = :k, hash = :h WHERE id = 1"), {"k": last - 2, "h": kept}
        )
    problems = _problems(app)
    assert problems == [f"chain ends at seq {last - 2} but a signed checkpoint records seq {last} (tail cut)"]
    r = client.get("/audit/verify", headers=as_user("admin"))
    assert r.json()["ok"] is False and r.json()["problems"] == problems
    done = _cli_verify(settings)
    assert done.returncode == 1 and "tail cut" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_forged_or_edited_checkpoints_are_reported(
    client: TestClient, app: Any, as_user: Any, settings: Any
) -> None:
    _history(client, as_user)
    path = settings.audit_checkpoints_path
    lines = path.read_text().splitlines()
    mark = json.loads(lines[-1])
    # a forger cannot move the checkpoints back to a shorter chain: the signature covers seq and hash
    lines[-1] = json.dumps({**mark, "seq": mark["seq"] - 1})
    path.write_text("\n".join([*lines, "not json"]) + "\n")
    problems = _problems(app)
    n = len(lines)
    assert f"checkpoint line {n}: signature does not match (forged or edited)" in problems
    assert f"checkpoint line {n + 1}: unreadable" in problems


def test_checkpoint_records_exactly_the_committed_head(
    client: TestClient, app: Any, as_user: Any, settings: Any
) -> None:
    _history(client, as_user)
    last = json.loads(settings.audit_checkpoints_path.read_text().splitlines()[-1])
    with app.state.engine.begin() as conn:
        head = conn.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    assert (last["seq"], last["hash"]) == (head.seq, head.hash)
    # an entry whose transaction rolls back leaves no checkpoint behind, even if the session commits later
    before = settings.audit_checkpoints_path.read_text()
    with app.state.sessionmaker() as s:
        audit.record(s, user_id=None, username="cli", action="probe", entity="case", entity_id="C-none")
        s.rollback()
        s.commit()
    assert settings.audit_checkpoints_path.read_text() == before


def test_entries_written_before_the_migration_still_verify(tmp_path: Path) -> None:
    """A store at revision 0002 whose entries were hashed the old way (without username) upgrades and
    verifies; an edit of such an entry is still caught."""
    import hashlib
    import hmac

    from alembic import command
    from alembic.config import Config

    from api.db import MIGRATIONS_DIR, make_engine, make_sessionmaker, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}", pool_size=1)
    cfg = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    key = hashlib.sha256(b"zhifa-audit-chain-v1\x00" + SECRET.encode()).digest()
    prev = "0" * 64
    with engine.begin() as conn:
        for seq in (1, 2):
            at = f"2026-01-0{seq}T08:00:00.000000"
            fields = [prev, seq, at, None, "create", "user", str(seq), None, '{"username":"u"}']
            digest = hmac.new(
                key, json.dumps(fields, separators=(",", ":")).encode(), hashlib.sha256
            ).hexdigest()
            conn.execute(
                text(
                    "INSERT INTO audit_log (seq, at, user_id, username, action, entity, entity_id, before,"
                    " after, prev_hash, hash)"
                    " VALUES (:s, :at, NULL, 'cli', 'create', 'user', :id, NULL, :after, :p, :h)"
                ),
                {
                    "s": seq,
                    "at": at.replace("T", " "),
                    "id": str(seq),
                    "after": fields[-1],
                    "p": prev,
                    "h": digest,
                },
            )
            prev = digest
        conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 2, :h)"), {"h": prev})
    upgrade(engine)
    factory = make_sessionmaker(engine, SECRET)
    with factory() as s:
        report = verify_chain(s)
        assert report.ok and report.entries == 2, report.problems
        audit.record(s, user_id=None, username="cli", action="probe", entity="user", entity_id="3")
        s.commit()
        assert verify_chain(s).ok  # new entries (version 2) chain on from the old head
    with engine.begin() as conn:
        conn.execute(text('UPDATE audit_log SET after = \'{"username":"x"}\' WHERE seq = 1'))
    with factory() as s:
        assert any("seq 1: content edited" in p for p in verify_chain(s).problems)
    engine.dispose()


def test_pipeline_copies_the_checkpoints_next_to_the_snapshot(tmp_path: Path) -> None:
    from dagster_defs.warehouse import AUDIT_CHECKPOINTS_COPY, copy_audit_checkpoints

    source, serve = tmp_path / "audit" / "checkpoints.jsonl", tmp_path / "serve"
    assert copy_audit_checkpoints(source, serve) == 0  # no API writes yet: nothing to copy
    source.parent.mkdir()
    source.write_text('{"seq":1}\n{"seq":2}\n')
    assert copy_audit_checkpoints(source, serve) == 2
    copy = serve / AUDIT_CHECKPOINTS_COPY
    assert copy.read_bytes() == source.read_bytes() and (copy.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in serve.iterdir()] == [AUDIT_CHECKPOINTS_COPY]  # no temporary file left
