"""Case-capture API benchmark: case create under 50 concurrent clients vs a bare FastAPI endpoint,
and ``POST /scan`` latency per 1-megapixel photo (the decode ladder's rates: bench_barcodes.py).

    uv run python benchmarks/bench_api.py [--runs N] [--per-client N] [--rate R] [--sequential N]

Both servers are real uvicorn processes on 127.0.0.1 (only loopback traffic), started the same way; the
API uses a SQLite store under a temporary ZHIFA_HOME seeded with the API tests' catalog and users. Every
figure is the median over ``--runs`` repetitions and is printed with the 1-minute load average at the
time it was taken: on a shared machine the figures move with that load.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 50
TARGET_MS = 50.0
MEGAPIXEL = 1_000_000


def baseline_app() -> FastAPI:
    """The floor: a bare FastAPI JSON endpoint (sync, like ``POST /cases``), same server, same body."""
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/echo", status_code=201)
    def echo(body: dict[str, Any]) -> dict[str, Any]:
        return {"received": len(body)}

    return app


def _test_helpers() -> Any:
    """The API tests' helpers (catalog, users, case body): reused, not duplicated."""
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "tests" / "api"))
    import apitest_support
    import conftest

    return apitest_support, conftest


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


# --- servers -------------------------------------------------------------------------------------------
@contextmanager
def uvicorn_server(
    factory: str, env: dict[str, str], app_dir: Path = ROOT, workers: int = 1
) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    cmd = [sys.executable, "-m", "uvicorn", "--factory", factory, "--app-dir", str(app_dir)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    cmd += ["--timeout-keep-alive", "75"]  # a client idle 5 s under load must not find its socket closed
    cmd += ["--workers", str(workers)] if workers > 1 else []
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # two workers importing on a loaded machine take a while
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{factory} exited with {proc.returncode}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{factory} did not start")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --- (1) case create under 50 concurrent clients --------------------------------------------------------
async def _clients(
    url: str,
    path: str,
    request: Callable[[int, int], dict[str, Any]],
    per_client: int,
    rate: float = 0.0,
    *,
    method: str = "POST",
    expect: int = 201,
) -> tuple[list[float], float, float]:
    """``CLIENTS`` clients, each with its own connection, each sending ``per_client`` requests in turn.
    ``request(i, j)`` gives the keywords of client i's j-th request (j = -1: its warm-up) and may name its
    own ``url`` instead of ``path``; every answer must have status ``expect``.

    Closed loop (``rate`` 0): the next request leaves the moment the answer comes. Open loop: each client
    waits seeded exponential intervals so the clients together offer ``rate`` req/s (a field officer does
    not fire the next case the instant the last one is answered); every run offers the same load.
    Also returns the cores the client itself used: on 2 shared cores the client competes with the server."""
    rng = random.Random(7)
    gaps = [
        [rng.expovariate(rate / CLIENTS) if rate else 0.0 for _ in range(per_client)] for _ in range(CLIENTS)
    ]
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def one(i: int, j: int) -> None:
            kw = request(i, j)
            target = kw.pop("url", path)
            start = time.perf_counter()
            r = await client.request(method, target, **kw)
            latencies.append(time.perf_counter() - start)
            if r.status_code != expect:
                raise RuntimeError(f"{target}: {r.status_code} {r.text[:300]}")

        await asyncio.gather(*(one(i, -1) for i in range(CLIENTS)))  # open the connections, warm up
        latencies.clear()

        async def client_loop(i: int) -> None:
            for j, gap in enumerate(gaps[i]):
                if gap:
                    await asyncio.sleep(gap)
                await one(i, j)

        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(client_loop(i) for i in range(CLIENTS)))
        wall = time.perf_counter() - start
    return latencies, wall, (time.process_time() - cpu) / wall


def measure_burst(url: str, path: str, request: Callable[[int, int], dict[str, Any]], args: Any) -> dict:
    runs = []
    for _ in range(args.runs):
        lat, wall, client_cpu = asyncio.run(_clients(url, path, request, args.per_client, args.rate))
        p50, p95 = _pct(lat, 0.5), _pct(lat, 0.95)
        runs.append({"p50": p50, "p95": p95, "rps": len(lat) / wall, "cpu": client_cpu, "load": _load()})
    return {k: _median([r[k] for r in runs]) for k in ("p50", "p95", "rps", "cpu", "load")} | {"runs": runs}


def measure_sequential(url: str, path: str, request: Callable[[int, int], dict[str, Any]], args: Any) -> dict:
    """``--sequential N``: one client, N requests back to back on one connection — the service time of
    one request with nothing queued before it (less moved by the machine's load than the burst)."""
    runs = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for j in range(-10, 0):  # warm-up
            client.post(path, **request(0, j))
        for _ in range(args.runs):
            lat = []
            for j in range(args.sequential):
                start = time.perf_counter()
                r = client.post(path, **request(0, j))
                lat.append(time.perf_counter() - start)
                if r.status_code != 201:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
            runs.append({"p50": _pct(lat, 0.5), "p95": _pct(lat, 0.95), "load": _load()})
    return {k: _median([r[k] for r in runs]) for k in ("p50", "p95", "load")} | {"runs": runs}


def case_create(url: str, support: Any, args: Any) -> tuple[dict, dict | None]:
    """The burst, and with ``--sequential`` the one-client service time."""
    r = httpx.post(f"{url}/auth/token", data={"username": "li", "password": support.PASSWORD}, timeout=60)
    r.raise_for_status()
    auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
    body = support.case_body()
    tag = uuid.uuid4().hex[:8]
    counter = iter(range(10**9))

    def request(i: int, j: int) -> dict[str, Any]:
        key = f"bench-{tag}-{next(counter)}-{i}-{j}"  # every create is a new case
        return {"json": body, "headers": {**auth, "Idempotency-Key": key}}

    seq = measure_sequential(url, "/cases", request, args) if args.sequential else None
    return measure_burst(url, "/cases", request, args), seq


def profile_create(home: Path, support: Any, n: int = 300) -> None:
    """``--profile``: ``n`` creates in this process under cProfile, through the route's own pieces (the
    token's user read, ``create_case``, the commit with its audit checkpoint, the response model) — where
    one create's time goes, without the server and the client sharing the two cores."""
    import cProfile
    import pstats

    from api.capture.schemas import CaseCreate, CaseOut
    from api.capture.services import cases
    from api.db import READ_ONLY
    from api.main import create_app
    from api.models import User
    from zhifa.settings import Settings

    url = f"sqlite:///{home / 'api.sqlite3'}"
    app = create_app(Settings(home=home, database_url=url, secret_key=support.SECRET))
    body, factory = support.case_body(), app.state.sessionmaker
    with factory() as session:
        user_id = session.scalars(select(User.id).where(User.username == "li")).one()

    def one(key: str) -> None:
        with factory() as session:
            session.connection(execution_options={READ_ONLY: True})  # as api.deps.current_user reads it
            user = session.get(User, user_id)
            session.commit()
            case, _ = cases.create_case(session, user, CaseCreate.model_validate(body), key)
            session.commit()
            CaseOut.model_validate(case).model_dump(mode="json")

    for i in range(20):
        one(f"warm-{i}")
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        statements.append(sql.split(None, 1)[0].upper())

    event.listen(app.state.engine, "before_cursor_execute", count)
    one("counted")
    event.remove(app.state.engine, "before_cursor_execute", count)
    print(f"\nSQL statements in one create (user read included): {len(statements)}: {' '.join(statements)}")
    cpu, walls = time.process_time(), []
    for i in range(n):  # without the profiler first: the CPU of one create moves less with load than latency
        start = time.perf_counter()
        one(f"plain-{i}")
        walls.append(time.perf_counter() - start)
    cpu = (time.process_time() - cpu) / n
    print(
        f"\n{n} creates in process: CPU {1000 * cpu:.2f} ms each, wall p50 {1000 * _pct(walls, 0.5):.2f} ms"
    )
    profiler, start = cProfile.Profile(), time.perf_counter()
    profiler.enable()
    for i in range(n):
        one(f"profile-{i}")
    profiler.disable()
    print(f"\n--profile: {n} creates in process, {1000 * (time.perf_counter() - start) / n:.2f} ms each")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    app.state.engine.dispose()


# --- (2) POST /scan per 1-megapixel photo ---------------------------------------------------------------
def photos(support: Any) -> list[tuple[Path, str]]:
    found = sorted(support.BARCODES.glob("*/*.png"))
    return [(p, p.with_suffix(".txt").read_text().strip()) for p in found]


def megapixel(path: Path, fmt: str) -> bytes:
    img = Image.open(path)
    scale = (MEGAPIXEL / (img.width * img.height)) ** 0.5
    big = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    big.save(buf, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


def scan(url: str, auth: dict[str, str], images: list[tuple[bytes, str]], runs: int, mime: str) -> dict:
    """One client, photos in turn (latency, not throughput); checks every answer against the .txt."""
    out = []
    with httpx.Client(base_url=url, headers=auth, timeout=120) as client:
        client.post("/scan", files={"file": ("warm.img", images[0][0], mime)})
        for _ in range(runs):
            lat, right, wrong = [], 0, 0
            for data, expected in images:
                start = time.perf_counter()
                r = client.post("/scan", files={"file": ("photo.img", data, mime)})
                lat.append(time.perf_counter() - start)
                got = r.json()
                right += got["confirmed"] == [expected]
                wrong += any(code != expected for code in got["confirmed"])
            out.append({"p50": _pct(lat, 0.5), "p95": _pct(lat, 0.95), "max": max(lat), "load": _load()})
    summary = {k: _median([r[k] for r in out]) for k in ("p50", "p95", "max", "load")}
    return summary | {"right": right, "wrong": wrong, "n": len(images), "runs": out}


# --- main ------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each measurement")
    parser.add_argument("--per-client", type=int, default=10, help="creates per client per run")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open loop: aggregate req/s offered by the 50 clients (0 = closed)",
    )
    parser.add_argument(
        "--sequential",
        type=int,
        default=0,
        help="also N requests from one client back to back (service time)",
    )
    parser.add_argument("--create-only", action="store_true", help="skip the scan and decode measurements")
    parser.add_argument("--profile", action="store_true", help="only profile creates in process, no servers")
    args = parser.parse_args()
    support, conftest = _test_helpers()
    print(f"nproc {os.cpu_count()}, load average at start {os.getloadavg()}")

    with tempfile.TemporaryDirectory(prefix="zhifa-bench-api-") as tmp:
        home = Path(tmp)
        conftest._seed(f"sqlite:///{home / 'api.sqlite3'}", home)  # migrate, catalog, users
        env = {"ZHIFA_HOME": str(home), "ZHIFA_SECRET_KEY": support.SECRET}
        os.environ.pop("ZHIFA_DATABASE_URL", None)  # the server must use the SQLite store under home
        if args.profile:
            profile_create(home, support)
            return

        with uvicorn_server("bench_api:baseline_app", {}, app_dir=ROOT / "benchmarks") as url:
            body = support.case_body()

            def echo(_i: int, _j: int) -> dict[str, Any]:
                return {"json": body}

            base_seq = measure_sequential(url, "/echo", echo, args) if args.sequential else None
            base = measure_burst(url, "/echo", echo, args)
        with uvicorn_server("api.main:create_app", env) as url:
            create, create_seq = case_create(url, support, args)
            r = httpx.post(f"{url}/auth/token", data={"username": "li", "password": support.PASSWORD})
            auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
            scans = {}
            for fmt, mime in () if args.create_only else (("PNG", "image/png"), ("JPEG", "image/jpeg")):
                images = [(megapixel(p, fmt), code) for p, code in photos(support)]
                scans[fmt] = scan(url, auth, images, args.runs, mime)

    n = CLIENTS * args.per_client
    mode = f"open loop, {args.rate:g} req/s offered" if args.rate else "closed loop, back to back"
    print(
        f"\n(1) {CLIENTS} concurrent clients × {args.per_client} requests = {n} per run, "
        f"{args.runs} runs ({mode})"
    )
    for label, m in (("bare FastAPI POST /echo", base), ("POST /cases (SQLite)", create)):
        print(
            f"  {label:24s} p50 {1000 * m['p50']:6.1f} ms  p95 {1000 * m['p95']:6.1f} ms  "
            f"{m['rps']:6.0f} req/s  client CPU {m['cpu']:.2f} cores  (load {m['load']})"
        )
    print(f"  p95 ratio create / bare (same run): {create['p95'] / base['p95']:.1f}×")
    for label, seq in (("bare POST /echo", base_seq), ("POST /cases", create_seq)):
        if seq is not None:
            print(
                f"  one client, {args.sequential} back to back: {label:16s} p50 {1000 * seq['p50']:6.2f} ms  "
                f"p95 {1000 * seq['p95']:6.2f} ms  (load {seq['load']})"
            )
    verdict = "met" if create["p95"] * 1000 <= TARGET_MS else "MISSED"
    ratio = create["rps"] / base["rps"]
    print(f"  create p95 target ≤ {TARGET_MS:.0f} ms: {verdict}; throughput create / bare {ratio:.2f}")
    print(f"\n(2) POST /scan, one client, 89 photos upscaled to ~1 MP, {args.runs} runs")
    for fmt, m in scans.items():
        print(
            f"  {fmt:4s} p50 {1000 * m['p50']:6.1f} ms  p95 {1000 * m['p95']:6.1f} ms  "
            f"max {1000 * m['max']:6.1f} ms  right {m['right']}/{m['n']} wrong {m['wrong']}  "
            f"(load {m['load']})"
        )
    print("\n(the decode ladder vs each engine alone: benchmarks/bench_barcodes.py)")


if __name__ == "__main__":
    main()
