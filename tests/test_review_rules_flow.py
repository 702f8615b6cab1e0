"""Acceptance (issue #7): a rule created through the API is dry-run, switched on, named in the next upload's
report, and — after a pipeline run with the API store configured — evaluated in the warehouse's
fct_rule_results, with no code change. Review tasks, reviews and a sampling draw stored by the API reach
the warehouse too.

Real parts throughout: the API app on a SQLite file seeded from the generated demo world's catalog, real
uploads of generated dossier files, the Dagster pipeline in-process on a DuckDB file. Expected outcomes are
counted here from the world's files and the loaded documents table, never read from the engine's output.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from warehouse_support import bulk_loaded_warehouse

from dagster_defs.dossiers import DOCUMENT_FIELDS_KEY
from dagster_defs.resources import WarehouseResource
from dagster_defs.runner import run_pipeline

pytestmark = pytest.mark.slow

SECRET = "flow-secret-key-0123456789-abcdefghijklmnop"
PASSWORD = "correct-horse-9"
# the new rule: a decided dossier (it holds a penalty decision) must hold a hearing notice
CONDITION = "CASE WHEN NOT has_penalty_decision THEN NULL ELSE has_hearing_notice END"
DISABLED = "R004"  # a built-in rule switched off through the API


@dataclass
class Flow:
    home: Path
    world: Path
    client: TestClient
    app: Any
    resource: WarehouseResource
    api_url: str

    def headers(self, username: str) -> dict[str, str]:
        from api.core.security import create_token
        from api.models import User

        with self.app.state.sessionmaker() as session:
            user_id = session.scalar(select(User.id).where(User.username == username))
        return {"Authorization": f"Bearer {create_token(SECRET, int(user_id), 60)}"}

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        con = duckdb.connect(str(self.resource.path), read_only=True)
        try:
            return con.execute(sql, params or []).df()
        finally:
            con.close()


def _expected(doc_types: set[str]) -> bool | None:
    """The new rule by hand: not applicable without a penalty decision, else is there a hearing notice."""
    return None if "penalty_decision" not in doc_types else "hearing_notice" in doc_types


@pytest.fixture(scope="module")
def flow(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    from api.capture.services.catalog import load_catalog
    from api.main import create_app
    from zhifa.settings import Settings

    home = tmp_path_factory.mktemp("rules_flow")
    url = f"sqlite:///{home / 'api.sqlite3'}"
    app = create_app(Settings(home=home, database_url=url, secret_key=SECRET))
    # the warehouse as a bulk import left it (same loader, without a first dbt build), before the API
    resource = bulk_loaded_warehouse(home, demo_world)
    with app.state.sessionmaker() as session:
        load_catalog(session, demo_world)
        session.commit()
    with TestClient(app) as client:
        yield Flow(home, demo_world, client, app, resource, url)
    app.state.engine.dispose()


def _files(world: Path) -> pd.DataFrame:
    return pd.read_parquet(world / "ground_truth" / "document_files.parquet")


def _pick_cases(world: Path) -> tuple[str, str]:
    """A text-layer dossier the new rule passes and one it fails, by the file list."""
    files = _files(world)
    text_only = files.groupby("case_id")["file_format"].agg(lambda f: set(f) <= {"pdf", "docx"})
    types = files.groupby("case_id")["doc_type"].agg(set)
    outcome = {c: _expected(types[c]) for c in text_only[text_only].index}
    passing = sorted(c for c, v in outcome.items() if v is True)
    failing = sorted(c for c, v in outcome.items() if v is False)
    assert passing and failing, outcome
    return passing[0], failing[0]


def _upload(flow: Flow, username: str, case_id: str, unit: str) -> dict[str, Any]:
    folder = flow.world / "files" / case_id
    parts = [
        ("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in sorted(folder.iterdir())
    ]
    r = flow.client.post(
        "/dossiers", data={"case_id": case_id, "unit_code": unit}, files=parts, headers=flow.headers(username)
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["report"])


def _users(flow: Flow, units: list[str]) -> dict[str, str]:
    """An officer of each unit (uploads), two reviewers, and province-level quality staff."""
    from api.models import Officer
    from api.platform.services.users import create_user

    names: dict[str, str] = {}
    with flow.app.state.sessionmaker() as session:
        for unit in units:
            officers = list(session.scalars(select(Officer).where(Officer.unit_code == unit)))
            create_user(session, f"up{unit}", PASSWORD, unit, ["officer"], officers[0].officer_id)
            names[unit] = f"up{unit}"
        others = list(session.scalars(select(Officer).where(Officer.unit_code.not_in(units)).limit(2)))
        for i, officer in enumerate(others):
            create_user(session, f"rev{i}", PASSWORD, officer.unit_code, ["reviewer"], officer.officer_id)
            names[f"rev{i}"] = officer.officer_id
        create_user(session, "quality", PASSWORD, "410000", ["quality"], None)
        session.commit()
    return names


def test_a_rule_made_through_the_api_reaches_the_report_and_the_warehouse(flow: Flow) -> None:
    passing, failing = _pick_cases(flow.world)
    cases = pd.read_parquet(flow.world / "ground_truth" / "cases.parquet").set_index("case_id")
    units = sorted({str(cases.loc[c, "unit_code"]) for c in (passing, failing)})
    names = _users(flow, units)
    q = flow.headers("quality")

    # 1. one dossier reviewed before the rule exists: the dry-run population
    first = _upload(
        flow, names[str(cases.loc[failing, "unit_code"])], failing, str(cases.loc[failing, "unit_code"])
    )
    assert "Q001" not in {f["rule_id"] for f in first["findings"]}

    # 2. create (a draft), dry-run, switch on; switch a built-in rule off
    body = {
        "category": "procedure",
        "name_zh": "已作处罚决定的案卷应有听证告知书",
        "condition": CONDITION,
        "evidence_template_zh": "处罚决定书：{has_penalty_decision}；听证告知书：{has_hearing_notice}",
        "deduct_points": 2,
    }
    created = flow.client.post("/review-rules", json=body, headers=q)
    assert created.status_code == 201, created.text
    assert created.json()["rule_id"] == "Q001" and created.json()["version_in_force"] is None
    dry = flow.client.post("/review-rules/dry-run", json={"rule_id": "Q001"}, headers=q).json()
    assert (dry["population"], dry["n_fail"], dry["n_pass"]) == (1, 1, 0), dry
    assert [e["case_id"] for e in dry["examples"]] == [failing]
    assert dry["examples"][0]["evidence"] == "处罚决定书：是；听证告知书：否"
    on = flow.client.post("/review-rules/Q001/enable", headers=q)
    assert on.status_code == 200 and on.json()["rule_versions"]["Q001"] == 1, on.text
    off = flow.client.post(f"/review-rules/{DISABLED}/disable", headers=q).json()
    assert DISABLED not in off["rule_versions"] and off["version"] == 2

    # 3. the next upload's report names the rule, under the new rule set
    second = _upload(
        flow, names[str(cases.loc[passing, "unit_code"])], passing, str(cases.loc[passing, "unit_code"])
    )
    findings = {f["rule_id"]: f for f in second["findings"]}
    assert second["rule_set_version"] == 2
    assert findings["Q001"]["outcome"] == "passed", findings["Q001"]
    assert DISABLED not in findings
    again = flow.client.post(
        f"/dossiers/{first['dossier_id']}/machine-review",
        headers=flow.headers(names[str(cases.loc[failing, "unit_code"])]),
    )
    assert again.status_code in (200, 201), again.text
    assert {f["rule_id"]: f["outcome"] for f in again.json()["findings"]}["Q001"] == "failed"

    # 4. review work stored by the API: a pool review, a blind re-review, a sampling draw
    planted = _plant_review_work(flow, first["dossier_id"], names)

    # 5. a pipeline run with the API store configured — no code change anywhere
    # (the whole pipeline but OCR: the hourly API job's selection cannot subset the import checks today)
    result = run_pipeline(
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets(DOCUMENT_FIELDS_KEY),
        resources={"warehouse": flow.resource},
        op_config={"api_store_changes": {"database_url": flow.api_url}},
        log_level="ERROR",
    )
    assert result.success, _failures(result)

    # fct_rule_results: Q001 for every case, as counted by hand from the loaded documents; R004 gone
    got = flow.query("select case_id, passed, evidence from marts.fct_rule_results where rule_id = 'Q001'")
    docs = flow.query("select case_id, doc_type from raw.documents")
    types = docs.groupby("case_id")["doc_type"].agg(set)
    all_cases = flow.query("select case_id from marts.fct_rule_results where rule_id = 'R001'")["case_id"]
    assert len(got) == len(all_cases) > 0
    want = {c: _expected(types.get(c, set())) for c in all_cases}
    have = {c: (None if pd.isna(p) else bool(p)) for c, p in zip(got["case_id"], got["passed"], strict=True)}
    assert have == want
    assert sum(v is False for v in want.values()) > 0 and sum(v is True for v in want.values()) > 0
    disabled = flow.query(f"select count(*) as n from marts.fct_rule_results where rule_id = '{DISABLED}'")
    assert disabled["n"][0] == 0
    failed = got[got["passed"] == False]  # noqa: E712
    assert (failed["evidence"] == "处罚决定书：是；听证告知书：否").all()
    rules = flow.query("select rule_id, origin, rule_set_version from intermediate.int_review_rules")
    assert set(rules["rule_set_version"]) == {2} and rules.set_index("rule_id").loc["Q001", "origin"] == "api"
    _check_review_marts(flow, planted)


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        str(e.step_failure_data.error.message if e.step_failure_data.error else e.message)[:3000]
        for e in result.all_events
        if e.is_step_failure
    ]


def _plant_review_work(flow: Flow, dossier_id: int, names: dict[str, str]) -> dict[str, Any]:
    """Rows the tasks/sampling endpoints would write (they belong to another part): two submitted tasks on
    the first dossier and a draw that selected it."""
    from api import models as m

    t0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
    scores = (Decimal("86.5"), Decimal("74"))
    with flow.app.state.sessionmaker() as session:
        users = {u.username: u for u in session.scalars(select(m.User))}
        dossier = session.get(m.Dossier, dossier_id)
        assert dossier is not None
        plan = m.SamplingPlan(
            name="2025年一季度抽查",
            unit_code="410000",
            seed="42",
            created_by=users["quality"].id,
            created_at=t0,
            filters={},
        )
        session.add(plan)
        session.flush()
        draw = m.SamplingDraw(
            plan_id=plan.plan_id,
            seed="42",
            algorithm="test",
            population=[dossier.case_id],
            population_digest="x",
            selected=[dossier.case_id],
            drawn_by=users["quality"].id,
            drawn_at=t0,
        )
        session.add(draw)
        parent: m.ReviewTask | None = None
        parent_review: m.HumanReview | None = None
        for k, (mode, score) in enumerate(zip(("sample", "re_review"), scores, strict=True)):
            claimed = t0 + timedelta(hours=1 + k)
            task = m.ReviewTask(
                dossier_id=dossier_id,
                mode=mode,
                status="submitted",
                parent_task_id=parent.task_id if parent else None,
                publisher_unit="410000",
                published_by=users["quality"].id,
                published_at=t0,
                assignee_id=users[f"rev{k}"].id,
                claimed_at=claimed,
                updated_at=claimed + timedelta(hours=3),
            )
            session.add(task)
            session.flush()
            review = m.HumanReview(
                task_id=task.task_id,
                dossier_id=dossier_id,
                reviewer_id=users[f"rev{k}"].id,
                mode=mode,
                parent_review_id=parent_review.review_id if parent_review else None,
                rule_set_version=2,
                total_score=score,
                grade="合格",
                started_at=claimed,
                submitted_at=claimed + timedelta(hours=2.5),
                updated_at=claimed + timedelta(hours=3),
            )
            session.add(review)
            session.flush()
            session.add(
                m.HumanReviewItem(
                    review_id=review.review_id,
                    rule_id="Q001",
                    decision="confirmed",
                    deducted_points=Decimal("2"),
                    comment="无听证告知书",
                )
            )
            parent, parent_review = task, review
        session.commit()
        return {
            "case_id": dossier.case_id,
            "unit_code": dossier.unit_code,
            "scores": [float(s) for s in scores],
            "reviewers": [names["rev0"], names["rev1"]],
        }


def _check_review_marts(flow: Flow, planted: dict[str, Any]) -> None:
    tasks = flow.query("select * from marts.fct_review_tasks order by task_id")
    assert list(tasks["mode"]) == ["sample", "re_review"]
    assert list(tasks["claim_to_finish_hours"]) == [2.5, 2.5]
    first, second = planted["scores"]
    assert tasks["score_gap"].iloc[1] == abs(first - second) and pd.isna(tasks["score_gap"].iloc[0])
    assert set(tasks["case_id"]) == {planted["case_id"]}
    reviews = flow.query(
        "select review_id, reviewer_id, mode, total_score from raw.reviews "
        "where review_id like 'API-H%' order by review_id"
    )
    assert list(reviews["reviewer_id"]) == planted["reviewers"]
    assert list(reviews["total_score"]) == planted["scores"]
    items = flow.query("select rule_id, deducted_points from raw.review_items where review_id like 'API-H%'")
    assert set(items["rule_id"]) == {"Q001"} and list(items["deducted_points"]) == [2.0, 2.0]
    coverage = flow.query(
        "select * from marts.fct_review_sampling_coverage where unit_code = ?", [planted["unit_code"]]
    )
    dossiers = flow.query(
        "select count(*) as n from raw.api_dossiers where unit_code = ?", [planted["unit_code"]]
    )["n"][0]
    assert coverage["n_sampled"].sum() == 1 and coverage["n_dossiers"].sum() == dossiers
    # API human reviews count like bulk ones in calibration and in the dossier's quality
    calibration = flow.query("select reviewer_id, n_reviews from marts.fct_reviewer_calibration")
    assert set(planted["reviewers"]) <= set(calibration["reviewer_id"])
    bulk = flow.query(
        "select count(*) as n from raw.reviews where case_id = ? and review_id not like 'API-%' "
        "and mode <> 'machine'",
        [planted["case_id"]],
    )["n"][0]
    quality = flow.query(
        "select n_human_reviews from marts.fct_dossier_quality where case_id = ?", [planted["case_id"]]
    )
    assert quality["n_human_reviews"][0] == bulk + 2
