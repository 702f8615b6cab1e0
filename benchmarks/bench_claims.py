"""Review-task claim latency (抢单) at 50 concurrent reviewers, against an authenticated no-op GET
(``/auth/me``) measured in the same run on the same server.

    uv run python benchmarks/bench_claims.py [--runs N] [--per-client K] [--database-url postgresql://…/empty_db]
        [--rate R …] [--open-per-client M]

A real uvicorn process (one worker) serves the API on a SQLite store (or the given empty PostgreSQL
database) under a temporary ZHIFA_HOME seeded
with the API tests' catalog and users, plus 50 reviewers (Zhengzhou) and Kaifeng dossiers published into
the pool. Each of the 50 clients (own keep-alive connection) claims K tasks of its own in turn, so every
request is a successful claim: compare-and-set, the cap count, the lease and an audit-chain append. Between
runs the claimed tasks are marked done directly in the store so the cap (setting review_claim_cap) never
refuses. Every figure is the median over ``--runs`` and is printed with the 1-minute load average.

``--rate R …`` adds open-loop rounds (bench_api's client loop): the 50 clients wait seeded exponential
intervals so that together they offer R requests/s — claims, and the ``/auth/me`` baseline at the same R —
instead of firing the next request the moment the last one is answered. Each client sends M requests a
round, so R holds while all clients are still sending and thins out as they finish: the printed req/s is
the round's mean. The server's claim cap is raised for these rounds (``capped_app``).
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
from bench_api import CLIENTS, TARGET_MS, _clients, _load, _median, _pct, _test_helpers, uvicorn_server

OPEN_CAP = 1000  # review_claim_cap for the benchmark server: an open-loop round claims many tasks each


def capped_app() -> Any:
    """``create_app()`` with review_claim_cap raised through reference overrides (as the concurrency test
    does), so a long open-loop round is never refused by the cap; nothing else differs."""
    import pandas as pd

    from api.core import refdata
    from api.main import create_app
    from zhifa.reference import load_reference

    row = {
        "province_code": "410000",
        "key": "review_claim_cap",
        "value": str(OPEN_CAP),
        "valid_from": "2015-01-01",
    }
    overridden = load_reference().with_overrides(settings=pd.DataFrame([row]))
    setattr(refdata, "reference", lambda: overridden)  # noqa: B010 — the module attribute the services call
    return create_app()


def _seed(url: str, home: Path, conftest: Any, secret: str, n: int) -> tuple[dict[str, int], list[int]]:
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
    dossiers = [
        review_support.add_dossier(app, f"B410200-{i:06d}", "410200", uploader=ids["quality"])
        for i in range(n)
    ]
    engine.dispose()
    return ids, dossiers


async def _round(url: str, work: list[list[tuple[str, dict[str, str]]]]) -> tuple[list[float], float, float]:
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
        return latencies, time.perf_counter() - start, _load()


def _summary(rounds: list[tuple[list[float], float, float]]) -> dict[str, float]:
    """Medians over rounds of (latencies, wall time, 1-minute load average at the round's end)."""
    rows = [
        {"p50": _pct(lat, 0.5), "p95": _pct(lat, 0.95), "rps": len(lat) / wall, "load": load}
        for lat, wall, load in rounds
    ]
    return {k: _median([r[k] for r in rows]) for k in ("p50", "p95", "rps", "load")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each measurement")
    parser.add_argument("--per-client", type=int, default=4, help="claims per reviewer per run (≤ the cap)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead of SQLite")
    parser.add_argument(
        "--open-per-client", type=int, default=12, help="requests per reviewer per open-loop round"
    )
    parser.add_argument(
        "--rate",
        type=float,
        nargs="*",
        default=[],
        help="open loop: aggregate req/s offered by the 50 clients",
    )
    args = parser.parse_args()
    support, conftest = _test_helpers()
    from api.core.security import create_token
    from api.db import make_engine

    print(f"nproc {os.cpu_count()}, load average at start {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="zhifa-bench-claims-") as tmp:
        home = Path(tmp)
        db_url = args.database_url or f"sqlite:///{home / 'api.sqlite3'}"
        per_round = CLIENTS * (args.per_client + 1)  # +1: the serial claims
        open_round = CLIENTS * (args.open_per_client + 1)  # +1: each client's warm-up claim
        # one extra closed round warms up; open rounds: one per rate and run
        n = per_round * (args.runs + 1) + open_round * args.runs * len(args.rate)
        ids, dossiers = _seed(db_url, home, conftest, support.SECRET, n)
        reviewers = [ids[f"rv{i:02d}"] for i in range(CLIENTS)]
        tokens = [{"Authorization": f"Bearer {create_token(support.SECRET, u, 600)}"} for u in reviewers]
        quality = {"Authorization": f"Bearer {create_token(support.SECRET, ids['quality'], 600)}"}
        env = {"ZHIFA_HOME": str(home), "ZHIFA_SECRET_KEY": support.SECRET, "ZHIFA_DATABASE_URL": db_url}
        store = make_engine(db_url, pool_size=1)
        with uvicorn_server("bench_claims:capped_app", env, app_dir=Path(__file__).resolve().parent) as url:
            task_ids = []
            for start in range(0, len(dossiers), 500):  # a publish takes at most 500 dossiers
                body = {"dossier_ids": dossiers[start : start + 500]}
                r = httpx.post(f"{url}/review-tasks", json=body, headers=quality, timeout=600)
                r.raise_for_status()
                task_ids += [t["task_id"] for t in r.json()]
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
                _free_cap(store)
                if run:  # run 0 warms up connections and caches
                    base.append(me)
                    claims.append(claim)
                    pools.append(pool)
                    serial_base.append(one_me)
                    serial.append(one)
            opened = task_ids[(args.runs + 1) * per_round :]
            open_rows = _open_loop(url, tokens, opened, args, store)
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
    for rate, me_rate, claim_rate in open_rows:
        total = CLIENTS * args.open_per_client
        print(f"\nopen loop: {CLIENTS} reviewers offering {rate:g} req/s in total, {total} requests per run")
        for label, m in (("GET /auth/me (baseline)", me_rate), ("POST /review-tasks/{id}/claim", claim_rate)):
            print(
                f"  {label:32s} p50 {1000 * m['p50']:7.1f} ms  p95 {1000 * m['p95']:7.1f} ms  "
                f"{m['rps']:6.1f} req/s  (load {m['load']})"
            )


def _free_cap(store: Any) -> None:
    """Claimed tasks are marked done directly in the store, so the cap never refuses the next round."""
    with store.begin() as con:
        con.execute(text("UPDATE review_tasks SET status = 'submitted' WHERE status = 'claimed'"))


def _open_loop(
    url: str, tokens: list[dict[str, str]], task_ids: list[int], args: Any, store: Any
) -> list[tuple[float, dict[str, float], dict[str, float]]]:
    """Per offered rate: the baseline and the claims, each client with its own tasks (its first one is
    claimed by the warm-up), medians over ``args.runs``."""
    out = []
    per_round = CLIENTS * (args.open_per_client + 1)
    for k, rate in enumerate(args.rate):
        base: list[tuple[list[float], float, float]] = []
        claims: list[tuple[list[float], float, float]] = []
        for run in range(args.runs):
            start = (k * args.runs + run) * per_round
            chunk = task_ids[start : start + per_round]
            mine = [chunk[i::CLIENTS] for i in range(CLIENTS)]

            def me(i: int, j: int) -> dict[str, Any]:
                return {"headers": tokens[i]}

            def claim(i: int, j: int, mine: list[list[int]] = mine) -> dict[str, Any]:
                return {"url": f"/review-tasks/{mine[i][j + 1]}/claim", "headers": tokens[i]}

            for fn, path, method, into in ((me, "/auth/me", "GET", base), (claim, "", "POST", claims)):
                lat, wall, _ = asyncio.run(
                    _clients(url, path, fn, args.open_per_client, rate, method=method, expect=200)
                )
                into.append((lat, wall, _load()))
            _free_cap(store)
        out.append((rate, _summary(base), _summary(claims)))
    return out


if __name__ == "__main__":
    main()
