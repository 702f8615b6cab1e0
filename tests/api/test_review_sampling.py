"""Sampling (抽查制): a plan + seed draws the same dossiers through HTTP on SQLite and on PostgreSQL and in
a separate process, equal to the documented algorithm re-implemented here from docs/review-workflow.md;
risk weighting reads a real DuckDB snapshot; every draw verifies."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from apitest_support import SECRET
from conftest import _fresh_postgres_db
from fastapi.testclient import TestClient
from review_support import add_dossier, add_users, bearer

from api.main import create_app
from zhifa.settings import Settings

UNITS = ("410122", "410100", "410200")
VIOLATIONS = ("NON_DESIGNATED_SOURCE", "UNLICENSED_RETAIL")
PERIOD = (date(2026, 3, 1), date(2026, 8, 31))
SEED = "抽查-2026-第1批"


def cases() -> list[tuple[str, str, str, date]]:
    """45 dossiers: 15 per unit, alternating violations, decided across Jan–Nov (some outside PERIOD)."""
    out = []
    for u, unit in enumerate(UNITS):
        for i in range(15):
            decided = date(2026, 1, 5) + timedelta(days=(i * 23 + u * 7) % 320)
            out.append((f"{unit}-2026-{i:04d}", unit, VIOLATIONS[i % 2], decided))
    return out


def _u(seed: str, case_id: str) -> float:
    digest = hmac.new(seed.encode(), case_id.encode(), hashlib.sha256).digest()
    return ((int.from_bytes(digest[:8], "big") >> 11) + 0.5) / 2**53


def expected(
    stratum: dict[str, str], rate: float | None, count: int | None, weights: Any = None
) -> list[str]:
    """The draw by the documented steps, written apart from the service."""
    out: list[str] = []
    for name in sorted(set(stratum.values())):
        members = sorted(c for c, s in stratum.items() if s == name)
        n = (
            min(len(members), count)
            if count
            else min(len(members), math.ceil(round(len(members) * (rate or 0), 6)))
        )
        if weights:
            keyed = sorted(members, key=lambda c: (-math.log(_u(SEED, c)) / weights[c], c))
        else:
            keyed = sorted(members, key=lambda c: (-_u(SEED, c), c))
        out.extend(keyed[:n])
    return out


PLAN = {
    "name": "2026年度案卷抽查",
    "decided_from": PERIOD[0].isoformat(),
    "decided_to": PERIOD[1].isoformat(),
    "unit_codes": ["410100", "410200"],  # 410100 with its county 410122
    "violation_codes": [],
    "rate": 0.3,
    "stratify_by": "unit_code",
    "seed": SEED,
}


def _load(app: Any) -> dict[str, int]:
    ids = add_users(app, [("quality", "410000", ["quality"]), ("r_kf", "410200", ["reviewer"])])
    for case_id, unit, violation, decided in cases():
        add_dossier(app, case_id, unit, uploader=ids["quality"], violation_code=violation, decided_on=decided)
    return ids


def _draw(client: TestClient, q: dict[str, str], plan: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    r = client.post("/sampling-plans", json=plan, headers=q)
    assert r.status_code == 201, r.text
    plan_id = r.json()["plan_id"]
    r = client.post(f"/sampling-plans/{plan_id}/draw", headers=q)
    assert r.status_code == 201, r.text
    return plan_id, r.json()


REDERIVE = """
import json, sys
from api.db import make_engine, make_sessionmaker
from api.models import SamplingPlan
from api.review.services import sampling
engine = make_engine(sys.argv[1], pool_size=1)
with make_sessionmaker(engine)() as s:
    plan = s.get(SamplingPlan, int(sys.argv[2]))
    dossiers = sampling.population(s, plan)
    drawn = sampling.draw_sample([d.case_id for d in dossiers], sampling.strata_of(plan, dossiers), plan.seed,
                                 rate=plan.rate, count=plan.count_per_unit)
print(json.dumps(drawn.selected))
"""


def _in_subprocess(url: str, plan_id: int, hash_seed: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-c", REDERIVE, url, str(plan_id)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return list(json.loads(out.stdout))


def test_same_plan_and_seed_same_dossiers_across_databases_and_processes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    in_scope = {c: unit for c, unit, _, d in cases() if PERIOD[0] <= d <= PERIOD[1]}
    want = expected(in_scope, rate=0.3, count=None)
    assert 0 < len(want) < len(in_scope)
    sqlite = tmp_path / "s" / "api.sqlite3"
    sqlite.parent.mkdir()
    sqlite.write_bytes(request.getfixturevalue("sqlite_template").read_bytes())
    pg = _fresh_postgres_db(
        request.getfixturevalue("postgres_server"), request.getfixturevalue("postgres_template")
    )
    results = {}
    for name, url in (("sqlite", f"sqlite:///{sqlite}"), ("postgres", pg)):
        app = create_app(Settings(home=tmp_path / name, database_url=url, secret_key=SECRET))
        try:
            ids = _load(app)
            with TestClient(app) as client:
                q = bearer(ids["quality"])
                plan_id, drawn = _draw(client, q, PLAN)
                again = client.post(f"/sampling-plans/{plan_id}/draw", headers=q).json()
                verify = client.get(f"/sampling-draws/{drawn['draw_id']}/verify", headers=q).json()
                detail = client.get(f"/sampling-draws/{drawn['draw_id']}", headers=q).json()
        finally:
            app.state.engine.dispose()
        assert drawn["selected"] == want, name
        assert again["selected"] == want and again["task_ids"] == [] and "already" in again["note"]
        assert len(drawn["task_ids"]) == len(want)
        assert verify == {
            "draw_id": drawn["draw_id"],
            "digest_matches": True,
            "selection_matches": True,
            "population_unchanged": True,
            "recomputed": want,
        }
        assert detail["population"] == sorted(in_scope)
        assert detail["population_digest"] == hashlib.sha256("\n".join(sorted(in_scope)).encode()).hexdigest()
        assert {s["stratum"]: (s["size"], s["n"]) for s in detail["strata"]} == {
            unit: (n, math.ceil(round(n * 0.3, 6)))
            for unit in UNITS
            if (n := sum(v == unit for v in in_scope.values()))
        }
        results[name] = drawn["selected"]
        results[f"{name}-process"] = _in_subprocess(
            url, plan_id, hash_seed="12345" if name == "sqlite" else "777"
        )
    assert len({json.dumps(v) for v in results.values()}) == 1, results


def test_weighted_draw_uses_the_snapshot_risk(app: Any, settings: Settings) -> None:
    ids = _load(app)
    q = bearer(ids["quality"])
    plan = {
        **PLAN,
        "rate": None,
        "count_per_unit": 2,
        "stratify_by": "violation_code",
        "weight_by_risk": True,
    }
    plan.pop("decided_from"), plan.pop("decided_to")
    with TestClient(app) as client:
        r = client.post("/sampling-plans", json=plan, headers=q)
        plan_id = r.json()["plan_id"]
        missing = client.post(f"/sampling-plans/{plan_id}/draw", headers=q)
        assert missing.status_code == 409 and missing.json()["code"] == "RISK_SNAPSHOT_MISSING"

        population = sorted(c for c, unit, _, _ in cases() if unit in ("410122", "410100", "410200"))
        risky = {population[3]: 1e6, population[20]: 2e6}  # near-certain picks under A-Res
        snapshot = settings.serve_warehouse_path
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(snapshot)) as con:
            con.execute("CREATE SCHEMA marts")
            con.execute("CREATE TABLE marts.fct_case_risk (case_id VARCHAR, risk_score DOUBLE)")
            rows = [(c, risky.get(c, float(i % 3))) for i, c in enumerate(population[:-5])]  # 5 not yet in it
            con.executemany("INSERT INTO marts.fct_case_risk VALUES (?, ?)", rows)
        r = client.post(f"/sampling-plans/{plan_id}/draw", headers=q)
        assert r.status_code == 201, r.text
        drawn = r.json()
        detail = client.get(f"/sampling-draws/{drawn['draw_id']}", headers=q).json()
        verify = client.get(f"/sampling-draws/{drawn['draw_id']}/verify", headers=q).json()
    weights = {c: 1.0 + dict(rows).get(c, 0.0) for c in population}  # seed base 1; unknown cases risk 0
    assert detail["weights"] == weights
    assert "5" in drawn["note"]
    violation = {c: v for c, _, v, _ in cases()}
    assert drawn["selected"] == expected(violation, rate=None, count=2, weights=weights)
    assert set(risky) <= set(drawn["selected"])
    assert verify["selection_matches"] and verify["digest_matches"]


def test_plan_validation_and_scope(app: Any) -> None:
    ids = _load(app)
    q = bearer(ids["quality"])
    with TestClient(app) as client:
        both = client.post("/sampling-plans", json={**PLAN, "count_per_unit": 3}, headers=q)
        assert both.status_code == 422
        bad_unit = client.post("/sampling-plans", json={**PLAN, "unit_codes": ["999999"]}, headers=q)
        assert bad_unit.status_code == 422 and bad_unit.json()["code"] == "UNKNOWN_UNIT"
        assert client.post("/sampling-plans", json=PLAN, headers=bearer(ids["r_kf"])).status_code == 403
        _, drawn = _draw(client, q, PLAN)
        assert (
            client.get(f"/sampling-draws/{drawn['draw_id']}", headers=bearer(ids["r_kf"])).status_code == 403
        )
        pool = client.get("/review-tasks/pool", headers=bearer(ids["r_kf"])).json()
    # drawn dossiers are sample tasks in the pool (the Kaifeng reviewer never sees Kaifeng's own)
    assert {i["task"]["task_id"] for i in pool} <= set(drawn["task_ids"])
    assert {i["task"]["mode"] for i in pool} == {"sample"}
    assert all(i["dossier"]["unit_code"] != "410200" for i in pool) and pool
