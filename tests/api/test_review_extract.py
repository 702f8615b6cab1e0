"""API-store extraction of the review work into a real DuckDB warehouse, from SQLite and PostgreSQL: human
reviews into the contract tables (a reviewer who is no officer is quarantined with the reason, the others go
on), the raw.api_* tables, idempotence, and an incremental change touching exactly the changed row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from apitest_support import case_body
from fastapi.testclient import TestClient
from sqlalchemy import select

from api import models as m
from ingestion.api_store.extract import extract_review_tables, extract_reviews, extract_to_warehouse
from ingestion.api_store.tables import OWN_TABLES
from ingestion.warehouse import connect
from zhifa import clock


def _plant(app: Any, case_id: str) -> dict[str, int]:
    """A dossier with a machine review, a pool review by an officer and a re-review by an account without
    an officer id, and a sampling draw."""
    t0 = datetime(2025, 5, 1, 2, 0, tzinfo=UTC)
    with app.state.sessionmaker() as session:
        users = {u.username: u for u in session.scalars(select(m.User))}
        dossier = m.Dossier(
            case_id=case_id, unit_code="410122", uploaded_by=users["li"].id, created_at=t0, updated_at=t0
        )
        session.add(dossier)
        session.flush()
        session.add(
            m.MachineReview(
                dossier_id=dossier.dossier_id,
                rule_set_version=0,
                facts={},
                findings=[],
                total_score=Decimal("92"),
                grade="优秀",
                n_checked=50,
                n_failed=2,
                n_needs_human=1,
                duration_ms=9,
                created_at=t0,
            )
        )
        plan = m.SamplingPlan(
            name="抽查", unit_code="410000", seed="1", created_by=users["admin"].id, created_at=t0, filters={}
        )
        session.add(plan)
        session.flush()
        session.add(
            m.SamplingDraw(
                plan_id=plan.plan_id,
                seed="1",
                algorithm="t",
                population=[case_id, "C2"],
                population_digest="d",
                selected=[case_id],
                drawn_by=users["admin"].id,
                drawn_at=t0,
            )
        )
        ids: dict[str, int] = {}
        parent = None
        for k, (who, mode) in enumerate((("kaifeng", "pool"), ("cityboss", "re_review"))):
            task = m.ReviewTask(
                dossier_id=dossier.dossier_id,
                mode=mode,
                status="submitted",
                parent_task_id=parent,
                publisher_unit="410000",
                published_by=users["admin"].id,
                published_at=t0,
                assignee_id=users[who].id,
                claimed_at=t0 + timedelta(hours=1),
                updated_at=t0 + timedelta(hours=3 + k),
            )
            session.add(task)
            session.flush()
            review = m.HumanReview(
                task_id=task.task_id,
                dossier_id=dossier.dossier_id,
                reviewer_id=users[who].id,
                mode=mode,
                rule_set_version=0,
                total_score=Decimal(90 - 10 * k),
                grade="优秀",
                started_at=t0,
                submitted_at=t0 + timedelta(hours=2),
                updated_at=t0 + timedelta(hours=3 + k),
            )
            session.add(review)
            session.flush()
            for rule, decision, points in (
                ("R001", "confirmed", "2"),
                ("R001", "added", "1.5"),
                ("R002", "rejected", "0"),
            ):
                session.add(
                    m.HumanReviewItem(
                        review_id=review.review_id,
                        rule_id=rule,
                        decision=decision,
                        deducted_points=Decimal(points),
                        comment=decision,
                    )
                )
            ids[mode], ids[f"{mode}_review"] = task.task_id, review.review_id
            parent = task.task_id
        session.commit()
    return ids


def _captured_case_with_reviews(app: Any, client: TestClient, as_user: Any) -> tuple[str, dict[str, int]]:
    r = client.post("/cases", json=case_body(), headers=as_user("li"))
    assert r.status_code == 201, r.text
    case_id = str(r.json()["case_id"])
    return case_id, _plant(app, case_id)


def _fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    tables = ["raw.reviews", "raw.review_items", "ops.quarantine", *(f"raw.{t}" for t in OWN_TABLES)]
    return {
        t: con.execute(f"select count(*), sum(hash(x::varchar)) from {t} x").fetchall()[0] for t in tables
    }


def test_review_work_reaches_the_warehouse(
    app: Any, client: TestClient, as_user: Any, tmp_path: Path
) -> None:
    case_id, tasks = _captured_case_with_reviews(app, client, as_user)
    engine = app.state.engine
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        assert extract_to_warehouse(con, engine) is not None  # the case first: reviews refer to it
        loaded = extract_reviews(con, engine)
        assert loaded is not None and loaded.rows_quarantined == 2  # the re-review and its one item line
        changed = extract_review_tables(con, engine)
        assert changed == {
            "api_review_rules": 0,
            "api_review_rule_sets": 0,
            "api_dossiers": 1,
            "api_machine_reviews": 1,
            "api_review_tasks": 2,
            "api_sampling_draws": 1,
            "api_training_assignments": 0,
            "api_rectifications": 0,  # none planted here (tests/api/test_rectification_warehouse.py)
            "api_rectification_items": 0,
            "api_upward_reports": 0,  # a small case: no duty towards another unit
            "api_layout_rule_sets": 0,  # no city saved layout rules: the seed's apply
        }
        reviews = con.execute("select review_id, reviewer_id, mode, total_score from raw.reviews").fetchall()
        assert reviews == [(f"API-H{tasks['pool_review']}", "O410200001", "pool", 90.0)]
        items = con.execute("select rule_id, deducted_points, comment from raw.review_items").fetchall()
        assert items == [("R001", 3.5, "confirmed；added")]  # summed per rule; the rejected finding left out
        reason = con.execute("select reason from ops.quarantine where table_name = 'reviews'").fetchall()
        assert len(reason) == 1 and "cityboss" in reason[0][0] and "officers.officer_id" in reason[0][0]
        row = con.execute(
            "select mode, parent_task_id, assignee_id, total_score, review_id from raw.api_review_tasks "
            "where mode = 're_review'"
        ).fetchall()
        assert row == [
            ("re_review", f"API-T{tasks['pool']}", "cityboss", 80.0, f"API-H{tasks['re_review_review']}")
        ]
        assert con.execute("select population_size, selected from raw.api_sampling_draws").fetchall() == [
            (2, f'["{case_id}"]')
        ]

        # nothing changed: nothing moves
        before = _fingerprint(con)
        assert extract_reviews(con, engine) is None
        assert set(extract_review_tables(con, engine).values()) == {0}
        assert _fingerprint(con) == before

        # a rule switched on through the API and a task cancelled: exactly those rows move
        admin = as_user("admin")
        body = {"category": "form", "name_zh": "测试", "condition": "has_cover", "deduct_points": 1}
        assert client.post("/review-rules", json=body, headers=admin).status_code == 201
        assert client.post("/review-rules/Q001/enable", headers=admin).status_code == 200
        with app.state.sessionmaker() as session:
            task = session.get(m.ReviewTask, tasks["pool"])
            assert task is not None
            task.status, task.updated_at = "cancelled", clock.now()
            session.commit()
        changed = extract_review_tables(con, engine)
        assert changed == {
            "api_review_rules": 1,
            "api_review_rule_sets": 1,
            "api_dossiers": 0,
            "api_machine_reviews": 0,
            "api_review_tasks": 1,
            "api_sampling_draws": 0,
            "api_training_assignments": 0,
            "api_rectifications": 0,
            "api_rectification_items": 0,
            "api_upward_reports": 0,
            "api_layout_rule_sets": 0,
        }
        status = con.execute("select task_id, status from raw.api_review_tasks order by task_id").fetchall()
        assert status == [(f"API-T{tasks['pool']}", "cancelled"), (f"API-T{tasks['re_review']}", "submitted")]
        assert con.execute("select count(*) from raw.api_review_tasks").fetchall() == [(2,)]
    finally:
        con.close()


def test_a_review_extracted_before_its_case_is_loaded_once_the_case_arrives(
    app: Any, client: TestClient, as_user: Any, tmp_path: Path
) -> None:
    """The order of one pipeline run may put the review extraction before the case's own load: the review
    is quarantined then, and must still reach raw.reviews on a later run without any change in the store."""
    _, tasks = _captured_case_with_reviews(app, client, as_user)
    engine = app.state.engine
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        first = extract_reviews(con, engine)  # the case is not in the warehouse yet
        assert first is not None and first.rows_quarantined >= 2
        assert con.execute("select count(*) from raw.reviews").fetchall() == [(0,)]
        assert extract_to_warehouse(con, engine) is not None  # now the case is loaded
        again = extract_reviews(con, engine)  # no change in the store, yet the review comes in
        assert again is not None
        reviews = con.execute("select review_id from raw.reviews").fetchall()
        assert reviews == [(f"API-H{tasks['pool_review']}",)]
        # once every review whose case was missing is in, the watermark moves on: nothing more to extract
        assert extract_reviews(con, engine) is None
    finally:
        con.close()
