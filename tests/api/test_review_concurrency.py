"""Claims under real concurrency: 100 simultaneous claims (10 reviewers × 10 tasks) against a real uvicorn
server on SQLite and on PostgreSQL — every task ends with exactly one holder, nobody above the cap."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pandas as pd
import pytest
from review_support import add_dossier, add_users, bearer
from sqlalchemy import select

from api.core import refdata
from api.models import ReviewTask
from zhifa.reference import load_reference

REVIEWERS = 10
TASKS = 10
CAP = 1  # 10 reviewers × 1 = 10 tasks: the cap bites on almost every late claim


def test_hundred_concurrent_claims(app: Any, live_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [
        {"province_code": "410000", "key": "review_claim_cap", "value": str(CAP), "valid_from": "2015-01-01"}
    ]
    overridden = load_reference().with_overrides(settings=pd.DataFrame(rows))
    monkeypatch.setattr(refdata, "reference", lambda: overridden)  # the server runs in this process
    names = [f"claimer{i}" for i in range(REVIEWERS)]
    ids = add_users(app, [("quality", "410000", ["quality"]), *[(n, "410100", ["reviewer"]) for n in names]])
    dossiers = [add_dossier(app, f"CKF-c{i}", "410200", uploader=ids["quality"]) for i in range(TASKS)]
    with httpx.Client(base_url=live_url, timeout=120) as c:
        r = c.post("/review-tasks", json={"dossier_ids": dossiers}, headers=bearer(ids["quality"]))
        assert r.status_code == 201, r.text
        task_ids = [t["task_id"] for t in r.json()]

    # reviewer i tries every task, starting at a different one, all 100 released at once
    attempts = [(names[i], task_ids[(i + j) % TASKS]) for i in range(REVIEWERS) for j in range(TASKS)]
    barrier = threading.Barrier(len(attempts))

    def claim(attempt: tuple[str, int]) -> tuple[str, int, int, str]:
        name, task = attempt
        headers = bearer(ids[name])
        with httpx.Client(base_url=live_url, timeout=300) as c:
            barrier.wait()
            r = c.post(f"/review-tasks/{task}/claim", headers=headers)
        return name, task, r.status_code, r.json().get("code", "")

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        results = list(pool.map(claim, attempts))

    outcomes = Counter((status, code) for _, _, status, code in results)
    assert set(outcomes) <= {(200, ""), (409, "TASK_TAKEN"), (409, "CLAIM_CAP")}, outcomes
    won = [(name, task) for name, task, status, _ in results if status == 200]
    assert sorted(task for _, task in won) == sorted(task_ids), "each task won exactly once"
    assert max(Counter(name for name, _ in won).values()) <= CAP
    with app.state.sessionmaker() as s:
        stored = s.execute(select(ReviewTask.task_id, ReviewTask.status, ReviewTask.assignee_id)).all()
    holders = {task: ids[name] for name, task in won}
    assert {(t, st, a) for t, st, a in stored} == {(t, "claimed", holders[t]) for t in task_ids}
    per_reviewer = Counter(a for _, _, a in stored)
    assert max(per_reviewer.values()) <= CAP
    # with cap 1 and as many reviewers as tasks, every reviewer ends with exactly one task
    assert sorted(per_reviewer.values()) == [1] * REVIEWERS
