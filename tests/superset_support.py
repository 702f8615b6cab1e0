"""The real Superset of the dashboards tests, started once per test session (conftest.py ``served``):
a snapshot the pipeline published from a generated world plus review tasks planted in an API store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pytest
from net_support import free_port
from sqlalchemy import select
from warehouse_support import bulk_loaded_warehouse

from dagster_defs.dossiers import DOCUMENT_FIELDS_KEY
from dagster_defs.runner import run_pipeline
from dashboards.bootstrap import prepare, publish
from dashboards.client import ChartResult, SupersetClient
from dashboards.service import Instance, SupersetSettings, running
from generator import get_scale
from zhifa import clock

SSO_KEY = "dashboards-test-sso-key-0123456789"  # Superset and the tests' API app share it
API_SECRET = "dashboards-test-secret-0123456789abcdef"


@dataclass
class Served:
    inst: Instance
    snapshot: Path
    build: Path
    results: dict[str, ChartResult]  # chart title → first replay after import
    planted: list[tuple[str, str, float]]  # API review tasks: (unit_code, mode·status, age in days)
    home: Path  # ZHIFA_HOME of this world
    api_url: str  # the API store (SQLite) the pipeline extracted from

    def client(self) -> SupersetClient:
        return SupersetClient(self.inst.settings.url, self.inst.settings.admin_user, self.inst.admin_password)

    def mart(self, sql: str) -> Any:
        con = duckdb.connect(str(self.snapshot), read_only=True)
        try:
            row = con.execute(sql).fetchone()
            assert row is not None
            return row[0]
        finally:
            con.close()


# review tasks planted in the API store: (mode, status, days since publication); the pool/sample ones that
# are open or claimed are the backlog the 评查工作 dashboard shows
PLANTED_TASKS = (
    ("pool", "open", 0.5),
    ("sample", "open", 2),
    ("pool", "claimed", 5),
    ("sample", "open", 10),
    ("pool", "cancelled", 4),
    ("re_review", "open", 1.5),
    ("pool", "submitted", 3),  # claimed an hour after publication, submitted FINISH_HOURS later
)
FINISH_HOURS = 3.0
# training planted in the API store for the 执法考评 effect table: every other officer (by id) completed the
# dossier course in the middle of the demo world's span, so that its rules are checked before and after
TRAINED_COURSE = "TC01"
_SPAN = get_scale("demo")  # the world conftest.demo_world generates
_MIDDLE = _SPAN.start_date + (_SPAN.end_date - _SPAN.start_date) / 2
TRAINED_AT = datetime.combine(_MIDDLE, time(10), clock.LOCAL)
BACKLOG_BANDS = {0.5: "1天内", 2: "1–3天", 5: "3–7天", 10: "7天以上"}  # written out here, not read from spec


def _api_store_with_tasks(home: Path, world: Path) -> tuple[str, list[tuple[str, str, float]]]:
    """An SQLite API store (the real app's schema and catalog) holding dossiers of three world cases and
    review tasks on them, written through the ORM as the tasks endpoints would, and the planted training
    completions (TRAINED_COURSE). Returns its URL and the (unit_code, mode·status, age in days) of each
    task."""
    from api import models as m
    from api.capture.services.catalog import load_catalog
    from api.main import create_app
    from api.platform.services.users import create_user
    from zhifa.settings import Settings

    url = f"sqlite:///{home / 'api.sqlite3'}"
    app = create_app(Settings(home=home, database_url=url, secret_key=API_SECRET))
    files = pd.read_parquet(world / "ground_truth" / "document_files.parquet")
    # three cases of three different units (C + unit code + year + serial, docs/conventions.md)
    cases = sorted(files["case_id"].drop_duplicates().groupby(files["case_id"].str[1:7]).first())[:3]
    stamp = clock.now()
    planted = []
    with app.state.sessionmaker() as session:
        load_catalog(session, world)
        # an officer's login: the extraction quarantines a human review whose reviewer is no officer
        officer = session.scalars(select(m.Officer).order_by(m.Officer.officer_id)).first()
        assert officer is not None
        user = create_user(session, "quality", "correct-horse-9", "410000", ["quality"], officer.officer_id)
        session.flush()
        dossiers = []
        for case_id in cases:
            dossier = m.Dossier(
                case_id=case_id,
                unit_code=case_id[1:7],
                status="received",
                uploaded_by=user.id,
                created_at=stamp,
                updated_at=stamp,
            )
            session.add(dossier)
            session.flush()
            dossiers.append(dossier)
        for k, (mode, status, days) in enumerate(PLANTED_TASKS):
            dossier = dossiers[k % len(dossiers)]
            published = stamp - timedelta(days=days)
            held = status in ("claimed", "submitted")
            claimed = published + timedelta(hours=1)
            task = m.ReviewTask(
                dossier_id=dossier.dossier_id,
                mode=mode,
                status=status,
                publisher_unit="410000",
                published_by=user.id,
                published_at=published,
                assignee_id=user.id if held else None,
                claimed_at=claimed if held else None,
                updated_at=published,
            )
            session.add(task)
            session.flush()
            if status == "submitted":
                session.add(
                    m.HumanReview(
                        task_id=task.task_id,
                        dossier_id=dossier.dossier_id,
                        reviewer_id=user.id,
                        mode=mode,
                        rule_set_version=1,
                        total_score=Decimal("88"),
                        grade="合格",
                        started_at=claimed,
                        submitted_at=claimed + timedelta(hours=FINISH_HOURS),
                        updated_at=claimed + timedelta(hours=FINISH_HOURS),
                    )
                )
            planted.append((dossier.unit_code, f"{mode}·{status}", days))
        for officer in session.scalars(select(m.Officer).order_by(m.Officer.officer_id)).all()[::2]:
            session.add(
                m.TrainingAssignment(
                    course_id=TRAINED_COURSE,
                    officer_id=officer.officer_id,
                    unit_code=officer.unit_code,
                    assigned_by=user.id,
                    assigned_at=TRAINED_AT - timedelta(days=30),
                    due_date=TRAINED_AT.date(),
                    status="completed",
                    completed_at=TRAINED_AT,
                    updated_at=TRAINED_AT,
                )
            )
        session.commit()
    app.state.engine.dispose()
    return url, planted


def start_served(tmp_path_factory: pytest.TempPathFactory, demo_world: Path) -> Iterator[Served]:
    """The pipeline run on the demo world plus the planted API tasks, and Superset serving the bundle:
    started once per session (conftest.py ``served``) for every dashboards test module."""
    home = tmp_path_factory.mktemp("zhifa_home")
    # the bulk world loaded first, as an earlier import would have
    resource = bulk_loaded_warehouse(home, demo_world)
    api_url, planted = _api_store_with_tasks(home, demo_world)
    # no OCR (slow); the API store holds the review tasks (the bulk world has finished reviews only)
    selection = dg.AssetSelection.all() - dg.AssetSelection.assets(DOCUMENT_FIELDS_KEY)
    assert run_pipeline(
        resources={"warehouse": resource},
        selection=selection,
        op_config={"api_store_changes": {"database_url": api_url}},
        log_level="ERROR",
    ).success
    settings = SupersetSettings(
        home_dir=home / "superset",
        port=free_port(),
        workers=1,
        admin_password="test-admin-密码",
        sso_key=SSO_KEY,
    )
    inst = prepare(settings, resource.serve_path)
    with running(inst):
        results = publish(inst, resource.serve_path)
        yield Served(
            inst, resource.serve_path, resource.path, {r.title: r for r in results}, planted, home, api_url
        )
