"""Review-task claim latency (抢单) at 50 concurrent reviewers, against an authenticated no-op GET
(``/auth/me``) measured in the same run on the same server.

    uv run python benchmarks/bench_claims.py [--runs N] [--per-client K] [--database-url postgresql://…/empty_db]

A real uvicorn process (one worker) serves the API on a SQLite store (or the given empty PostgreSQL
database) under a temporary ZHIFA_HOME seeded
with the API tests' catalog and users, plus 50 reviewers (Zhengzhou) and Kaifeng dossiers published into
the pool. Each of the 50 clients (own keep-alive connection) claims K tasks of its own in turn, so every
request is a successful claim: compare-and-set, the cap count, the lease and an audit-chain append. Between
runs the claimed tasks are marked done directly in the store so the cap (setting review_claim_cap) never
refuses. Every figure is the median over ``--runs`` and is printed with the 1-minute load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import CLIENTS, TARGET_MS, _load, _median, _pct, _test_helpers, uvicorn_server


def _seed(
    url: str, home: Path, conftest: Any, secret: str, runs: int, per_client: int
) -> tuple[dict[str, int], list[int]]:
    """Reviewers and dossiers through the review tests' helpers; returns user ids and dossier ids."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "api"))
    import review_support

    from api.db import make_engine, make_sessionmaker

    conftest._seed(url, home)
    engine = make_engine(url, pool_size=2)
    app = SimpleNamespace(state=SimpleNamespace(sessionmaker=make_sessionmaker(engine, secret)))
    users = [("quality", "410000", ["quality"])] + [
        (f"rv{i:02d}", "410100", ["reviewer"]) for i in range(CLIENTS)
    ]
    ids = review_support.add_users(app, users)
    n = (runs + 1) * CLIENTS * (per_client + 1)  # one extra round warms up; +1: the serial claims
    dossiers = [
        review_support.add_dossier(app, f"B410200-{i:06d}", "410200", uploader=ids["quality"])
        for i in range(n)
    ]
    engine.dispose()
    return ids, dossiers


async def _round(url: str, work: list[list[tuple[str, dict[str, str]]]]) -> tuple[list[float], float]:
    """Client i sends the requests ``work[i]`` (path, auth) in turn; POST for claims, else GET."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as client:

        async def loop(i: int) -> None:
            for path, auth in work[i]:
                start = time.perf_counter()
                if path.endswith("/claim"):
                    r = await client.post(path, headers=auth)
                else:
                    r = await client.get(path, headers=auth)
                latencies.append(time.perf_counter() - start)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")

        start = time.perf_counter()
        await asyncio.gather(*(loop(i) for i in range(len(work))))
        return latencies, time.perf_counter() - start


def _summary(rounds: list[tuple[list[float], float]]) -> dict[str, float]:
    rows = [
        {"p50": _pct(lat, 0.5), "p95": _pct(lat, 0.95), "rps": len(lat) / wall, "load": _load()}
        for lat, wall in rounds
    ]
    return {k: _median([r[k] for r in rows]) for k in ("p50", "p95", "rps", "load")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each measurement")
    parser.add_argument("--per-client", type=int, default=4, help="claims per reviewer per run (≤ the cap)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead of SQLite")
    args = parser.parse_args()
    support, conftest = _test_helpers()
    from api.core.security import create_token
    from api.db import make_engine

    print(f"nproc {os.cpu_count()}, load average at start {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="zhifa-bench-claims-") as tmp:
        home = Path(tmp)
        db_url = args.database_url or f"sqlite:///{home / 'api.sqlite3'}"
        ids, dossiers = _seed(db_url, home, conftest, support.SECRET, args.runs, args.per_client)
        reviewers = [ids[f"rv{i:02d}"] for i in range(CLIENTS)]
        tokens = [{"Authorization": f"Bearer {create_token(support.SECRET, u, 600)}"} for u in reviewers]
        quality = {"Authorization": f"Bearer {create_token(support.SECRET, ids['quality'], 600)}"}
        env = {"ZHIFA_HOME": str(home), "ZHIFA_SECRET_KEY": support.SECRET, "ZHIFA_DATABASE_URL": db_url}
        store = make_engine(db_url, pool_size=1)
        with uvicorn_server("api.main:create_app", env) as url:
            task_ids = []
            for start in range(0, len(dossiers), 500):  # a publish takes at most 500 dossiers
                body = {"dossier_ids": dossiers[start : start + 500]}
                r = httpx.post(f"{url}/review-tasks", json=body, headers=quality, timeout=600)
                r.raise_for_status()
                task_ids += [t["task_id"] for t in r.json()]
            per_round = CLIENTS * (args.per_client + 1)
            base, claims, pools, serial_base, serial = [], [], [], [], []

            def each(path: str) -> list[list[tuple[str, dict[str, str]]]]:
                return [[(path, tokens[i])] * args.per_client for i in range(CLIENTS)]

            for run in range(args.runs + 1):
                chunk = task_ids[run * per_round : (run + 1) * per_round]
                mine = [chunk[CLIENTS:][i::CLIENTS] for i in range(CLIENTS)]
                work = [[(f"/review-tasks/{t}/claim", tokens[i]) for t in mine[i]] for i in range(CLIENTS)]
                me = asyncio.run(_round(url, each("/auth/me")))
                claim = asyncio.run(_round(url, work))
                pool = asyncio.run(_round(url, each("/review-tasks/pool?limit=20")))
                # one client, one request at a time: the service time without queueing
                one_me = asyncio.run(_round(url, [[("/auth/me", tokens[i]) for i in range(CLIENTS)]]))
                one = asyncio.run(
                    _round(url, [[(f"/review-tasks/{chunk[i]}/claim", tokens[i]) for i in range(CLIENTS)]])
                )
                with store.begin() as con:  # done: frees the cap
                    con.execute(text("UPDATE review_tasks SET status = 'submitted' WHERE status = 'claimed'"))
                if run:  # run 0 warms up connections and caches
                    base.append(me)
                    claims.append(claim)
                    pools.append(pool)
                    serial_base.append(one_me)
                    serial.append(one)
        store.dispose()
    n = CLIENTS * args.per_client
    print(
        f"\n{CLIENTS} concurrent reviewers × {args.per_client} requests = {n} per run, "
        f"{args.runs} runs (medians)"
    )
    rows = (
        ("GET /auth/me (baseline)", _summary(base)),
        ("POST /review-tasks/{id}/claim", _summary(claims)),
        ("GET /review-tasks/pool", _summary(pools)),
        ("1 client: GET /auth/me", _summary(serial_base)),
        ("1 client: POST …/claim", _summary(serial)),
    )
    for label, m in rows:
        print(
            f"  {label:32s} p50 {1000 * m['p50']:7.1f} ms  p95 {1000 * m['p95']:7.1f} ms  "
            f"{m['rps']:6.0f} req/s  (load {m['load']})"
        )
    claim_p95 = rows[1][1]["p95"] * 1000
    print(f"  claim p95 target ≤ {TARGET_MS:.0f} ms: {'met' if claim_p95 <= TARGET_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
