"""Rule dry run (``POST /review-rules/dry-run``) over N stored machine reviews, and saving a rule.

    uv run python benchmarks/bench_rule_dry_run.py [--dossiers N] [--runs N]

The app runs in-process (FastAPI TestClient) on a SQLite store under a temporary ZHIFA_HOME with N
dossiers, each with a machine review whose facts are a full vocabulary row (dates, amounts, flags, one
has_<doc_type> per document type) drawn at random. Prints the median wall time over ``--runs`` and the
1-minute load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from zhifa import clock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "api"))
SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
RULE = {
    "category": "procedure",
    "name_zh": "罚款超过听证标准应告知听证",
    "condition": "CASE WHEN fine_amount IS NULL THEN NULL "
    "ELSE fine_amount <= setting('hearing_fine_threshold') OR coalesce(has_hearing_notice, FALSE) END",
    "evidence_template_zh": "罚款：{fine_amount} 元；听证告知书：{has_hearing_notice}",
    "deduct_points": 2,
}


def _facts(rng: random.Random, vocab: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, sql_type in vocab.items():
        if rng.random() < 0.1:
            out[name] = None
        elif sql_type == "BOOLEAN":
            out[name] = rng.random() < 0.7
        elif sql_type == "DATE":
            out[name] = (date(2024, 1, 1) + timedelta(days=rng.randrange(700))).isoformat()
        elif sql_type in ("INTEGER", "DOUBLE"):
            out[name] = round(rng.uniform(0, 100_000), 2)
        else:
            out[name] = f"v{rng.randrange(20)}"
    out["province_code"] = "410000"
    return out


def _seed(app: Any, n: int) -> None:
    from apitest_support import write_catalog
    from sqlalchemy import select

    from api.capture.services.catalog import load_catalog
    from api.models import Dossier, MachineReview, User
    from api.platform.services.users import create_user
    from api.review.services.review_rules import vocabulary

    rng = random.Random(7)
    stamp = datetime(2025, 1, 1, tzinfo=UTC)
    with app.state.sessionmaker() as session:
        load_catalog(session, write_catalog(Path(tempfile.mkdtemp()) / "catalog", clock.today()))
        create_user(session, "li", "pw-123456789", "410122", ["officer"], "O410122001")
        create_user(session, "q", "pw-123456789", "410000", ["quality"], None)
        session.flush()
        uploader = session.scalar(select(User.id).where(User.username == "li"))
        vocab = vocabulary()
        for i in range(n):
            d = Dossier(case_id=f"C410122202400{i:04d}", unit_code="410122", decided_on=date(2024, 6, 1),
                        uploaded_by=uploader, created_at=stamp, updated_at=stamp)  # fmt: skip
            session.add(d)
            session.flush()
            session.add(
                MachineReview(
                    dossier_id=d.dossier_id,
                    rule_set_version=0,
                    facts=_facts(rng, vocab),
                    findings=[],
                    total_score=Decimal("90"),
                    grade="优秀",
                    n_checked=0,
                    n_failed=0,
                    n_needs_human=0,
                    duration_ms=1,
                    created_at=stamp,
                )
            )
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from api.core.security import create_token
    from api.main import create_app
    from api.models import User
    from zhifa.settings import Settings

    home = Path(tempfile.mkdtemp(prefix="zhifa-bench-rules-"))
    app = create_app(Settings(home=home, database_url=f"sqlite:///{home / 'api.sqlite3'}", secret_key=SECRET))
    _seed(app, args.dossiers)
    with app.state.sessionmaker() as session:
        quality = session.scalar(select(User.id).where(User.username == "q"))
    headers = {"Authorization": f"Bearer {create_token(SECRET, int(quality), 60)}"}
    with TestClient(app) as client:
        saves, runs = [], []
        for i in range(args.runs):
            start = time.perf_counter()
            r = client.post("/review-rules", json={**RULE, "rule_id": f"B{i:03d}"}, headers=headers)
            saves.append(time.perf_counter() - start)
            assert r.status_code == 201, r.text
            start = time.perf_counter()
            r = client.post("/review-rules/dry-run", json={"rule_id": f"B{i:03d}"}, headers=headers)
            runs.append(time.perf_counter() - start)
            assert r.status_code == 200 and r.json()["population"] == args.dossiers, r.text
    print(f"dossiers={args.dossiers} runs={args.runs} load1={os.getloadavg()[0]:.2f}")
    print(f"save rule (validate + trial evaluation + audit): median {statistics.median(saves) * 1000:.0f} ms")
    print(f"dry run: median {statistics.median(runs) * 1000:.0f} ms (n_fail={r.json()['n_fail']})")
    app.state.engine.dispose()


if __name__ == "__main__":
    main()
