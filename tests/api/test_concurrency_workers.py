"""Issue #12 §4: the idempotent create and the 100-way claim race against PostgreSQL served by uvicorn with
4 worker processes — no lock or cache inside one process can hide a race here; only the database can."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from apitest_support import SECRET, case_body
from conftest import _fresh_postgres_db
from net_support import free_port
from review_support import add_dossier, add_users, bearer, seed_setting
from sqlalchemy import func, select

from api.main import create_app
from api.models import Case, ReviewTask, User
from api.models import Counter as SerialCounter
from zhifa.settings import PROJECT_ROOT, Settings

WORKERS = 4
REVIEWERS = 10
TASKS = 10


@pytest.fixture(scope="module")
def served(
    postgres_server: str, postgres_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Any]]:
    """(base URL, an in-process app on the same database for setup and checks); started once for the
    module (the two tests touch different tables: cases, and review tasks)."""
    tmp_path = tmp_path_factory.mktemp("workers")
    url = _fresh_postgres_db(postgres_server, postgres_template)
    port = free_port()
    env = {**os.environ, "ZHIFA_DATABASE_URL": url, "ZHIFA_SECRET_KEY": SECRET, "ZHIFA_HOME": str(tmp_path)}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.main:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
        "--timeout-worker-healthcheck",
        "300",
    ]  # fmt: skip  (a worker busy importing misses 5 s pings)
    server = subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    app = create_app(Settings(home=tmp_path, database_url=url, secret_key=SECRET), migrate=False)
    try:
        deadline = time.monotonic() + 300  # 4 imports of the app on 2 shared cores
        while True:
            assert server.poll() is None and time.monotonic() < deadline, "uvicorn did not start"
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield base, app
    finally:
        app.state.engine.dispose()
        os.killpg(server.pid, signal.SIGTERM)  # the server and its own workers, nothing else
        server.wait(timeout=60)


def _parallel(fn: Any, items: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(items))

    def run(item: Any) -> Any:
        with httpx.Client(timeout=300) as c:
            barrier.wait()
            return fn(c, item)

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(run, items))


def test_idempotent_create_across_workers(served: tuple[str, Any]) -> None:
    base, app = served
    with app.state.sessionmaker() as s:
        li = s.scalar(select(User.id).where(User.username == "li"))
    headers = {**bearer(int(li or 0)), "Idempotency-Key": "four-workers-1"}
    body = case_body()

    def create(c: httpx.Client, _: int) -> tuple[int, str]:
        r = c.post(f"{base}/cases", json=body, headers=headers)
        return r.status_code, r.json().get("case_id", r.text)

    results = _parallel(create, list(range(50)))
    statuses = sorted(s for s, _ in results)
    assert statuses.count(201) == 1 and statuses.count(200) == 49, statuses
    assert len({case_id for _, case_id in results}) == 1
    with app.state.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert s.scalar(select(SerialCounter.last_serial).where(SerialCounter.kind == "case")) == 1


def test_hundred_claims_across_workers(served: tuple[str, Any]) -> None:
    """10 reviewers × 10 tasks, all released at once; the claim cap is the seed's (each worker reads it)."""
    base, app = served
    cap = int(float(seed_setting("review_claim_cap")))
    names = [f"claimer{i}" for i in range(REVIEWERS)]
    ids = add_users(app, [("quality", "410000", ["quality"]), *[(n, "410100", ["reviewer"]) for n in names]])
    dossiers = [add_dossier(app, f"CKF-w{i}", "410200", uploader=ids["quality"]) for i in range(TASKS)]
    r = httpx.post(f"{base}/review-tasks", json={"dossier_ids": dossiers}, headers=bearer(ids["quality"]))
    assert r.status_code == 201, r.text
    task_ids = [t["task_id"] for t in r.json()]
    attempts = [(names[i], task_ids[(i + j) % TASKS]) for i in range(REVIEWERS) for j in range(TASKS)]

    def claim(c: httpx.Client, attempt: tuple[str, int]) -> tuple[str, int, int, str]:
        name, task = attempt
        r = c.post(f"{base}/review-tasks/{task}/claim", headers=bearer(ids[name]))
        return name, task, r.status_code, r.json().get("code", "")

    results = _parallel(claim, attempts)
    outcomes = Counter((status, code) for _, _, status, code in results)
    assert set(outcomes) <= {(200, ""), (409, "TASK_TAKEN"), (409, "CLAIM_CAP")}, outcomes
    won = [(name, task) for name, task, status, _ in results if status == 200]
    assert sorted(task for _, task in won) == sorted(task_ids), "each task won exactly once"
    assert max(Counter(name for name, _ in won).values()) <= cap
    with app.state.sessionmaker() as s:
        stored = s.execute(select(ReviewTask.task_id, ReviewTask.status, ReviewTask.assignee_id)).all()
    holders = {task: ids[name] for name, task in won}
    assert {(t, st, a) for t, st, a in stored} == {(t, "claimed", holders[t]) for t in task_ids}
