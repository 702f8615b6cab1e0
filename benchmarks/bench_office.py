"""The office 待办 inbox and case search with a province's million cases in PostgreSQL (issue #17):
open loop, at most 200 requests in flight, against two floors measured in the same run — ``GET /health``
(a bare ``SELECT 1`` through the same server stack) and ``GET /auth/me`` (the token checked, the user read).

    uv run python benchmarks/bench_office.py [--cases N] [--rate R …] [--seconds S] [--runs K] [--keep]

A throwaway PostgreSQL cluster (initdb + pg_ctl, ``fsync=off`` like the test fixture) lives under
``--root`` (default /work/bench-office-scale, deleted at the end unless ``--keep``). The store is
migrated and seeded with the API tests' catalog and users (tests/api/conftest.py), the province gets 18
cities of 10 counties each, then N cases are copied in (COPY): 93 % closed over three years, 7 % open
over the last 90 days; the open cases' stored deadlines are computed by the API's own clock_store.rebuild
and 400 filing approvals wait. The real API (uvicorn, ``--workers``) serves it on 127.0.0.1. Each run
offers R requests/s (each R in turn) for S seconds as seeded Poisson arrivals; each arrival picks an
endpoint (a quarter each: SELECT 1, floor, inbox, search — the search one of several filter/sort/page
shapes) and a user (a province manager, two city managers, a county approver and the manager of the
county numbered last); at most 200 are in flight, the rest wait in the client, and a request's latency
counts from its scheduled arrival, so a slow server cannot hide queueing.
Prints p50/p95/p99 per endpoint, the median over K runs, the ratio to the floor and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from glob import glob
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import _load, _pct, _test_helpers, uvicorn_server

IN_FLIGHT = 200
TARGET_MS = 300.0
VIOLATIONS = ("NON_DESIGNATED_SOURCE", "UNLICENSED_RETAIL", "SELLING_ILLEGAL_PRODUCTS", "NO_TRANSPORT_PERMIT")
CLOSED = ("closed", "closed", "closed", "archived", "executed", "served", "transferred", "withdrawn")
OPEN = ("filed", "investigating", "decided")
OPEN_SHARE = 0.07  # open about 80 days of a three-year history


# --- the cluster -------------------------------------------------------------------------------------------
def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres(root: Path, keep: bool) -> Iterator[str]:
    """A cluster under ``root`` on a free loopback port; its base URL (no database)."""
    bindir = Path(sorted(glob("/usr/lib/postgresql/*/bin/initdb"))[-1]).parent
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    if not (data / "PG_VERSION").exists():  # a cluster kept by --keep is started again as it is
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "zhifa", "--auth=trust", "-E", "UTF8"]
        subprocess.run(_as_postgres([*initdb, "--no-sync"]), check=True, capture_output=True)
    opts = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 "
        "-c shared_buffers=1GB -c synchronous_commit=off -c max_wal_size=4GB"
    )
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"]
    subprocess.run(_as_postgres(start), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://zhifa@127.0.0.1:{port}"
    finally:
        stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]
        subprocess.run(_as_postgres(stop), capture_output=True)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


# --- the world ---------------------------------------------------------------------------------------------
def _units() -> list[tuple[str, str, str, str]]:
    """(code, level, parent, path) of the benchmark's extra units: 18 cities × 10 counties."""
    out = []
    for c in range(1, 19):
        city = f"41{c:02d}00"
        if city not in ("410100", "410200"):  # the tests' catalog has these two
            out.append((city, "city", "410000", f"/410000/{city}/"))
        out += [
            (f"{city[:4]}{k:02d}", "county", city, f"/410000/{city}/{city[:4]}{k:02d}/") for k in range(1, 11)
        ]
    return out


def _copy_cases(conn: Any, n: int, counties: list[str], creator: int, seed: int = 17) -> None:
    """N cases straight into the store (COPY, tab-separated): the search's and the clocks' columns."""
    from zhifa.clock import now

    rng = random.Random(seed)
    t = now()
    cols = (
        "case_id, case_no, filing_year, filing_serial, unit_code, violation_code, cause, source, "
        "discovered_at, seized_on, party_type, party_name, licence_no, prior_offences_3y, illegal_amount, "
        "fine_amount, status, filed_at, decided_at, closed_at, extension_days, legal_review_done, "
        "marked_complex, created_by, created_at, updated_at"
    )
    serial: dict[tuple[str, int], int] = {}
    with conn.cursor() as cur, cur.copy(f"COPY cases ({cols}) FROM STDIN") as copy:
        buf = io.StringIO()
        for i in range(n):
            unit = counties[i % len(counties)]
            is_open = rng.random() < OPEN_SHARE
            age = rng.uniform(0, 90) if is_open else rng.uniform(20, 3 * 365)
            found = t - timedelta(days=age, seconds=rng.randrange(86400))
            status = rng.choice(OPEN) if is_open else rng.choice(CLOSED)
            filed = found + timedelta(days=rng.uniform(0, 5))
            year = filed.year
            serial[(unit, year)] = k = serial.get((unit, year), 0) + 1
            amount = round(rng.lognormvariate(7, 1.2), 2) if rng.random() < 0.9 else None
            decided = (
                filed + timedelta(days=rng.uniform(5, 60))
                if status not in ("filed", "investigating")
                else None
            )
            fine = round(float(amount) * 0.3, 2) if amount is not None and decided else None
            closed = decided + timedelta(days=30) if decided and status in ("closed", "archived") else None
            row = (
                f"BX{i:010d}", f"{unit}-{year}-{k:06d}", year, k, unit, rng.choice(VIOLATIONS),
                "涉嫌无证经营", "inspection", found.isoformat(), found.date().isoformat(), "individual",
                f"当事人{rng.randrange(200_000):06d}", f"4101{rng.randrange(10**8):08d}",
                rng.randrange(3), "" if amount is None else amount, "" if fine is None else fine,
                status, filed.isoformat(), decided.isoformat() if decided else "",
                closed.isoformat() if closed else "",
                0, "f", "f", creator, t.isoformat(), t.isoformat(),
            )  # fmt: skip
            buf.write("\t".join("\\N" if v == "" else str(v) for v in row) + "\n")
            if i % 20_000 == 19_999:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())


def build(base: str, home: Path, n: int) -> str:
    """Migrate and seed a database, add the units and N cases, store their deadlines; its URL."""
    import psycopg

    from api.capture.services import clock_store
    from api.db import make_engine, make_sessionmaker
    from zhifa.clock import now

    support, conftest = _test_helpers()
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as c:
        c.execute("CREATE DATABASE office")
    url = f"{base}/office"
    conftest._seed(url, home)
    units = _units()
    with psycopg.connect(f"{plain}/office") as c:
        c.cursor().executemany(
            "INSERT INTO units (unit_code, name, level, parent_code, path) VALUES (%s, %s, %s, %s, %s)",
            [(code, f"单位{code}", level, parent, path) for code, level, parent, path in units],
        )
        counties = ["410122"] + [code for code, level, _, _ in units if level == "county"]
        creator = c.execute("SELECT id FROM users WHERE username = 'li'").fetchone()
        assert creator is not None
        started = time.perf_counter()
        _copy_cases(c, n, counties, creator[0])
        c.commit()
        print(f"  {n} cases copied in {time.perf_counter() - started:.0f} s", flush=True)
    engine = make_engine(url, pool_size=2)
    factory = make_sessionmaker(engine, support.SECRET)
    with factory() as s:
        started = time.perf_counter()
        done = clock_store.rebuild(s)
        s.commit()
        print(f"  deadlines of {done} open cases stored in {time.perf_counter() - started:.0f} s", flush=True)
    with psycopg.connect(f"{plain}/office") as c:
        t = now()
        pending = c.execute(
            "SELECT case_id FROM cases WHERE status = 'filed' ORDER BY case_id LIMIT 400"
        ).fetchall()
        c.cursor().executemany(
            "INSERT INTO approvals (case_id, kind, requested_by, requested_at, outcome, reason, payload) "
            "VALUES (%s, 'filing', %s, %s, 'pending', '立案审批', '{}')",
            [(case_id, creator[0], t) for (case_id,) in pending],
        )
        c.commit()
    with psycopg.connect(f"{plain}/office", autocommit=True) as c:
        c.execute("VACUUM ANALYZE")
    engine.dispose()
    return url


# the benchmark's managers beside the API tests' (cityboss 410100, head 410122): a province, a second city
# and a county numbered last — a sort by case number once walked every earlier unit's cases to reach it
MANAGERS = {"provboss": "410000", "cityboss2": "410300", "lastcounty": "411810"}


def users(url: str) -> dict[str, int]:
    """The benchmark's managers (added to a kept world that lacks one); every login's id by name."""
    from sqlalchemy import select

    from api.db import make_engine, make_sessionmaker
    from api.models import User
    from api.platform.services.users import create_user

    support, _ = _test_helpers()
    engine = make_engine(url, pool_size=1)
    with make_sessionmaker(engine, support.SECRET)() as s:
        have = set(s.scalars(select(User.username)))
        for name, unit in MANAGERS.items():
            if name not in have:
                create_user(s, name, support.PASSWORD, unit, ["manager", "approver"], None)
        s.commit()
        ids = {u.username: u.id for u in s.scalars(select(User))}
    engine.dispose()
    return ids


# --- the load ----------------------------------------------------------------------------------------------
SEARCHES = (  # (label, query): what a manager does on the search page
    ("latest", ""),
    ("status", "status=investigating"),
    ("month", "date_from={m1}&date_to={m0}"),
    ("unit", "unit_code={county}"),
    ("violation+amount", "violation_code=UNLICENSED_RETAIL&amount_min=1000"),
    ("page 5", "offset=80"),
    ("by fine", "sort=fine_amount&desc=true"),
    ("by case no", "sort=case_no&desc=false"),
    ("party", "party={party}"),
)


def _requests(users: dict[str, dict[str, str]], n: int, seed: int) -> list[tuple[str, str, dict[str, str]]]:
    """N (endpoint, path, auth): a quarter each SELECT 1 (``/health``), the floor (``/auth/me``: the token
    checked and the user read), inbox and search; users and search shapes drawn at random."""
    from zhifa.clock import today

    rng = random.Random(seed)
    d0 = today()
    fill = {"m1": (d0 - timedelta(days=30)).isoformat(), "m0": d0.isoformat()}
    scopes = {
        "provboss": "410101",
        "cityboss": "410122",
        "cityboss2": "410305",
        "head": "410122",
        "lastcounty": "411810",
    }
    out: list[tuple[str, str, dict[str, str]]] = []
    for _ in range(n):
        user = rng.choice(list(users))
        kind = rng.choice(("select 1", "floor", "inbox", "search"))
        if kind == "select 1":  # no token: the health check's SELECT 1
            out.append((kind, "/health", {}))
        elif kind == "floor":
            out.append(("floor", "/auth/me", users[user]))
        elif kind == "inbox":
            out.append(("inbox", "/office/inbox", users[user]))
        else:
            label, query = rng.choice(SEARCHES)
            path = "/office/cases?limit=20&" + query.format(
                county=scopes[user], party=f"当事人{rng.randrange(200_000):06d}", **fill
            )
            out.append((f"search:{label}", path, users[user]))
    return out


async def _open_loop(url: str, work: list[tuple[str, str, dict[str, str]]], rate: float, seed: int) -> dict:
    """Send ``work`` at seeded Poisson arrivals of ``rate``/s, at most IN_FLIGHT at once; latencies (ms)
    per endpoint, counted from each request's scheduled arrival."""
    rng = random.Random(seed)
    at, times = 0.0, []
    for _ in work:
        at += rng.expovariate(rate)
        times.append(at)
    gate = asyncio.Semaphore(IN_FLIGHT)
    lat: dict[str, list[float]] = {}
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        start = time.perf_counter()

        async def one(due: float, kind: str, path: str, auth: dict[str, str]) -> None:
            await asyncio.sleep(max(0.0, start + due - time.perf_counter()))
            async with gate:
                r = await client.get(path, headers=auth)
            lat.setdefault(kind, []).append((time.perf_counter() - start - due) * 1000)
            if r.status_code != 200:
                raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")

        await asyncio.gather(*(one(t, *w) for t, w in zip(times, work, strict=True)))
        wall = time.perf_counter() - start
    for kind in list(lat):
        if kind.startswith("search:"):
            lat.setdefault("search", []).extend(lat[kind])
    return {"lat": lat, "rps": len(work) / wall, "load": _load()}


def _row(values: list[float]) -> dict[str, float]:
    return {"p50": _pct(values, 0.5), "p95": _pct(values, 0.95), "p99": _pct(values, 0.99), "n": len(values)}


def report(runs: list[dict]) -> None:
    kinds = sorted({k for r in runs for k in r["lat"]}, key=lambda k: (k.startswith("search:"), k))
    for i, r in enumerate(runs, 1):
        print(f"run {i}: {r['rps']:.1f} req/s offered and answered, load {r['load']}")
    print(
        f"\n{'endpoint':24s} {'p50':>8s} {'p95':>8s} {'p99':>8s}  ms, median of {len(runs)} runs; p95/floor"
    )
    med = {
        k: {q: statistics.median(_row(r["lat"][k])[q] for r in runs) for q in ("p50", "p95", "p99")}
        for k in kinds
    }
    for k in kinds:
        m = med[k]
        print(
            f"{k:24s} {m['p50']:8.1f} {m['p95']:8.1f} {m['p99']:8.1f}  {m['p95'] / med['floor']['p95']:5.1f}×"
        )
    for k in ("inbox", "search"):
        verdict = "met" if med[k]["p95"] <= TARGET_MS else "MISSED"
        print(f"{k} p95 target ≤ {TARGET_MS:.0f} ms: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--rate", type=float, nargs="+", default=[5.0, 20.0], help="requests/s offered (all endpoints)"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="length of one run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--root", type=Path, default=Path("/work/bench-office-scale"))
    parser.add_argument("--keep", action="store_true", help="keep the cluster (and reuse a kept one)")
    args = parser.parse_args()
    support, _ = _test_helpers()
    from api.core.security import create_token

    print(f"nproc {os.cpu_count()}, load average at start {os.getloadavg()}", flush=True)
    with postgres(args.root / "pg", args.keep) as base:
        home = args.root / "home"
        home.mkdir(parents=True, exist_ok=True)
        built = args.root / f"built-{args.cases}.json"  # a kept world of the same size is reused
        if built.exists():
            url = base + "/office"
        else:
            url = build(base, home, args.cases)
            if args.keep:
                built.write_text(json.dumps({"cases": args.cases}))
        ids = users(url)
        logins = {
            u: {"Authorization": f"Bearer {create_token(support.SECRET, ids[u], 3600)}"}
            for u in ("provboss", "cityboss", "cityboss2", "head", "lastcounty")
        }
        env = {"ZHIFA_HOME": str(home), "ZHIFA_SECRET_KEY": support.SECRET, "ZHIFA_DATABASE_URL": url}
        with uvicorn_server("api.main:create_app", env, workers=args.workers) as api:
            asyncio.run(_open_loop(api, _requests(logins, 200, seed=99), 20.0, seed=99))  # warm-up
            by_rate = {}
            for rate in args.rate:
                n = max(1, round(rate * args.seconds))
                by_rate[rate] = [
                    asyncio.run(_open_loop(api, _requests(logins, n, seed=k), rate, seed=k))
                    for k in range(args.runs)
                ]
    for rate, runs in by_rate.items():
        print(f"\n{args.cases} cases, {rate:g} req/s offered for {args.seconds:g} s, ≤ {IN_FLIGHT} in flight")
        report(runs)


if __name__ == "__main__":
    main()
