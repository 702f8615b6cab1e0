"""Acceptance (issue #19 §1): a review with deductions opens a rectification, the unit answers corrected, the
reviewer re-checks and closes it — and the warehouse shows it after the API-store extraction and the dbt
models (a small world: the test catalog's four units, three reviewed cases).

Planted and counted here: rectification A closed; B left open and extracted on the first working day
after its due day (overdue, and equal to zhifa.rectification.is_overdue on that day); a later review C of
another case of the same unit, after A closed, deducting A's confirmed rules but not its added one (so
three of A's four rectified findings recur)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import time_machine
from apitest_support import PASSWORD
from fastapi.testclient import TestClient
from rectification_support import ADDED, CONFIRMED, module_app, reviewed
from review_support import add_users, bearer
from test_rectification import due_after

from api.platform.services.users import create_user
from ingestion.api_store.extract import extract_review_tables, extract_reviews, extract_to_warehouse
from ingestion.raw_schema import ensure_schema
from ingestion.warehouse import connect
from zhifa import clock
from zhifa.rectification import is_overdue
from zhifa.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow
MARTS = ("fct_rectifications", "fct_unit_rectification", "fct_rectification_recurrence")


@pytest.fixture(scope="module")
def app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from module_app(sqlite_template, tmp_path_factory.mktemp("rectification_wh"))


def _dbt(home: Path) -> None:
    """The rectification marts and everything upstream, in a subprocess (a DuckDB file lock per process)."""
    project = str(DBT_PROJECT_DIR)
    dbt = str(Path(sys.executable).with_name("dbt"))
    done = subprocess.run(
        [dbt, "build", "--select", *(f"+{m}" for m in MARTS), "--indirect-selection", "cautious",
         "--project-dir", project, "--profiles-dir", project, "--target-path", str(home / "target"),
         "--log-path", str(home / "logs")],
        env={**os.environ, "ZHIFA_HOME": str(home), "ZHIFA_PSEUDONYM_KEY": "test-key-rectification"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]


def test_review_to_closed_rectification_reaches_the_warehouse(app: Any, tmp_path: Path, as_user: Any) -> None:
    ids = add_users(app)
    with app.state.sessionmaker() as s:  # a reviewer who is an officer: their reviews load into raw.reviews
        create_user(s, "rev_o", PASSWORD, "410200", ["reviewer"], "O410200001")
        s.commit()
        ids["rev_o"] = int(
            s.scalar(__import__("sqlalchemy").text("select id from users where username='rev_o'"))
        )
    li = as_user("li")
    with TestClient(app) as client:
        a = reviewed(app, client, ids, li, Decimal(3), reviewer="rev_o")
        b = reviewed(app, client, ids, li, Decimal(3), reviewer="rev_o")
        rid_a, rid_b = a["rectification_id"], b["rectification_id"]
        items = client.get(f"/rectifications/{rid_a}", headers=li).json()["items"]
        answers = [{"item_id": i["item_id"], "outcome": "corrected", "text": "已整改"} for i in items]
        assert (
            client.post(f"/rectifications/{rid_a}/answers", json={"answers": answers}, headers=li).status_code
            == 200
        )
        checks = [{"item_id": i["item_id"], "decision": "accept"} for i in items]
        closed = client.post(
            f"/rectifications/{rid_a}/recheck", json={"checks": checks}, headers=bearer(ids["rev_o"])
        )
        assert closed.json()["status"] == "closed", closed.text
        c = reviewed(app, client, ids, li, Decimal(0), reviewer="rev_o")  # below the threshold: no task
        assert c["rectification_id"] is None
        a_api = client.get(f"/rectifications/{rid_a}", headers=li).json()
        b_api = client.get(f"/rectifications/{rid_b}", headers=li).json()

    # extracted on the first working day after B's due day: B is overdue as of then
    read_on = due_after(date.fromisoformat(b_api["due_date"]), 1)
    with time_machine.travel(datetime.combine(read_on, time(9), clock.LOCAL).astimezone(UTC), tick=False):
        con = connect(tmp_path / "warehouse.duckdb")
        try:
            ensure_schema(con)
            extract_to_warehouse(con, app.state.engine)
            extract_reviews(con, app.state.engine)
            changed = extract_review_tables(con, app.state.engine)
        finally:
            con.close()
    assert changed["api_rectifications"] == 2 and changed["api_rectification_items"] == 8
    _dbt(tmp_path)

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        mart = {
            row[0]: row[1:]
            for row in con.execute(
                "select rectification_id, unit_code, officer_ids, status, due_date, closed_at, overdue, "
                "n_findings from marts.fct_rectifications"
            ).fetchall()
        }
        recurrence = dict(
            con.execute(
                "select rule_id, recurred from marts.fct_rectification_recurrence where rectification_id = ?",
                [rid_a],
            ).fetchall()
        )
        later = con.execute(
            "select distinct n_later_reviews from marts.fct_rectification_recurrence "
            "where rectification_id = ?",
            [rid_a],
        ).fetchall()
        unit = con.execute(
            "select n_opened, n_closed, rectification_rate, n_overdue, n_rectified_findings, "
            "n_recurred_findings from marts.fct_unit_rectification where unit_code = '410122'"
        ).fetchall()
    finally:
        con.close()
    officers = ["O410122001", "O410122002"]
    closed_at = datetime.fromisoformat(a_api["closed_at"].replace("Z", "+00:00"))
    assert mart[rid_a] == (
        "410122",
        officers,
        "closed",
        date.fromisoformat(a_api["due_date"]),
        closed_at,
        False,
        4,
    )
    b_overdue = is_overdue("open", date.fromisoformat(b_api["due_date"]), read_on)
    assert b_overdue is True
    assert mart[rid_b][:4] == ("410122", officers, "open", date.fromisoformat(b_api["due_date"]))
    assert mart[rid_b][5] is b_overdue  # the warehouse's overdue = the kernel's on the same day
    assert recurrence == {**dict.fromkeys(CONFIRMED, True), ADDED: False}
    assert later == [(1,)]  # only C came after A closed (B was reviewed before)
    assert unit == [(2, 1, 0.5, 1, 4, 3)]
