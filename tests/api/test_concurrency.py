"""Real threads against a real server (uvicorn) and real database sessions."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from apitest_support import case_body
from sqlalchemy import func, select

from api.capture.services import numbering
from api.models import AuditEntry, Case, CaseDeadline, Counter, Document
from api.platform.services import audit

N = 50


def _parallel(fn: Any, n: int = N) -> list[Any]:
    barrier = threading.Barrier(n)

    def run(i: int) -> Any:
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_parallel_creates_with_one_key_make_one_case(app: Any, live_url: str, as_user: Any) -> None:
    headers = {**as_user("li"), "Idempotency-Key": "flaky-network-42"}
    body = case_body()

    def create(_: int) -> tuple[int, str]:
        with httpx.Client(base_url=live_url, timeout=120) as c:
            r = c.post("/cases", json=body, headers=headers)
        return r.status_code, r.json().get("case_id", r.text)

    results = _parallel(create)
    statuses = sorted(s for s, _ in results)
    assert statuses.count(201) == 1 and statuses.count(200) == N - 1, statuses
    assert len({cid for _, cid in results}) == 1
    with app.state.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        # no serial was burnt by the losers: the counter says exactly one case
        assert s.scalar(select(Counter.last_serial).where(Counter.kind == "case")) == 1


def test_parallel_creates_are_numbered_without_gaps_and_audited(
    app: Any, live_url: str, as_user: Any
) -> None:
    """Creates with keys of their own at once (their reads run beside the writer): every one is a case,
    numbered 1..N in its unit and year with no gap and no repeat, audited once in a chain that verifies,
    with its filing deadline stored."""
    li = as_user("li")
    body = case_body()

    def create(i: int) -> tuple[int, str]:
        with httpx.Client(base_url=live_url, timeout=120) as c:
            r = c.post("/cases", json=body, headers={**li, "Idempotency-Key": f"phone-{i}"})
        return r.status_code, r.json().get("case_id", r.text)

    results = _parallel(create)
    assert [s for s, _ in results] == [201] * N, results
    numbers = [re.fullmatch(r"C410122(\d{4})(\d{5})", cid) for _, cid in results]
    assert all(numbers), results
    assert sorted(int(m.group(2)) for m in numbers if m) == list(range(1, N + 1))
    ids = {cid for _, cid in results}
    with app.state.sessionmaker() as s:
        created = select(func.count()).where(AuditEntry.action == "create", AuditEntry.entity_id.in_(ids))
        assert s.scalar(created) == N
        assert audit.verify_chain(s).ok
        filing = select(func.count()).where(
            CaseDeadline.case_id.in_(ids), CaseDeadline.what.startswith("filing")
        )
        assert s.scalar(filing) == N


def test_parallel_number_allocations_are_distinct_and_consecutive(app: Any) -> None:
    def allocate(_: int) -> int:
        with app.state.sessionmaker() as session:
            serial = numbering.allocate(session, "410122", 2026, "存通字")
            session.commit()
            return serial

    serials = _parallel(allocate)
    assert sorted(serials) == list(range(1, N + 1))


def _serial(doc_no: str) -> int:
    m = re.fullmatch(r"中烟存通字〔\d{4}〕第(\d+)号", doc_no)
    assert m, doc_no
    return int(m.group(1))


def test_parallel_documents_get_consecutive_numbers(app: Any, live_url: str, as_user: Any) -> None:
    li = as_user("li")
    with httpx.Client(base_url=live_url, timeout=120) as c:
        case_ids = [c.post("/cases", json=case_body(), headers=li).json()["case_id"] for _ in range(5)]

    def generate(i: int) -> tuple[int, str | None]:
        with httpx.Client(base_url=live_url, timeout=300) as c:
            r = c.post(
                f"/cases/{case_ids[i % 5]}/documents", json={"doc_type": "preservation_notice"}, headers=li
            )
        return r.status_code, r.json().get("doc_no")

    results = _parallel(generate)
    assert all(status == 201 for status, _ in results), results
    serials = sorted(_serial(str(no)) for _, no in results)
    assert serials == list(range(1, N + 1))
    with app.state.sessionmaker() as s:
        assert s.scalar(select(func.count(func.distinct(Document.doc_no)))) == N
