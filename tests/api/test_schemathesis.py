"""Issue #12 §4: Schemathesis over every operation of /openapi.json, as officer, manager, quality staff and
admin, with valid and invalid data, and stateful runs that follow the schema's links (an id from the
response that made it): 0 server errors and 0 responses that break their documented schema.

Schemathesis' pytest plugin does not load under this pytest, so its strategies and state machine are driven
through Hypothesis directly. Examples are bounded (``ZHIFA_TEST_SCHEMATHESIS_EXAMPLES``, default 3 per
operation, role and mode) so the whole file runs in a few minutes on 2 cores; raise it for a deeper probe."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from apitest_support import SECRET, case_body
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from review_support import add_dossier, add_users, bearer
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import select

from api.main import create_app
from api.models import User
from zhifa.settings import Settings

EXAMPLES = int(os.environ.get("ZHIFA_TEST_SCHEMATHESIS_EXAMPLES", "3"))
ROLES = {"officer": "li", "manager": "cityboss", "quality": "quality", "admin": "admin"}
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def probed_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One store for the whole module: a case with goods, a dossier and a quality user to find."""
    home = tmp_path_factory.mktemp("schemathesis")
    shutil.copyfile(sqlite_template, home / "api.sqlite3")
    app = create_app(Settings(home=home, database_url=f"sqlite:///{home / 'api.sqlite3'}", secret_key=SECRET))
    add_users(app, [("quality", "410000", ["quality", "reviewer"])])
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def headers(probed_app: Any) -> dict[str, dict[str, str]]:
    with probed_app.state.sessionmaker() as s:
        ids = dict(s.execute(select(User.username, User.id)).all())
    out = {role: bearer(ids[name]) for role, name in ROLES.items()}
    with TestClient(probed_app) as c:
        case_id = c.post("/cases", json=case_body(), headers=out["officer"]).json()["case_id"]
        c.post(
            f"/cases/{case_id}/items", json={"product_code": "P001", "quantity": "2"}, headers=out["officer"]
        )
    add_dossier(probed_app, case_id, "410122", uploader=ids["li"])
    return out


def _failures(case: Any, group: FailureGroup, status: int) -> list[str]:
    where = f"{case.method} {case.formatted_path} → {status}"
    return [f"{where}: {f.title}: {' '.join(str(f.message).split())[:300]}" for f in group.exceptions]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("role", list(ROLES))
def test_every_operation(probed_app: Any, headers: dict[str, dict[str, str]], role: str, mode: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", probed_app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        operations += 1

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)  # fmt: skip
        def run(case: Any) -> None:
            response = case.call(headers=headers[role])
            try:
                case.validate_response(response, checks=CHECKS, headers=headers[role])
            except FailureGroup as group:  # collect, keep probing
                failures.extend(_failures(case, group, response.status_code))

        try:
            run()
        except Unsatisfiable:  # nothing invalid to send (e.g. no parameters): the positive run covers it
            assert mode == GenerationMode.NEGATIVE, operation.label
    assert operations >= 60
    assert sorted(set(failures)) == []


@pytest.mark.parametrize("role", ["officer", "quality"])
def test_stateful_links(probed_app: Any, headers: dict[str, dict[str, str]], role: str) -> None:
    """Create, then act on what was created: POST /cases → its items, valuation, documents …"""
    schema = schemathesis.openapi.from_asgi("/openapi.json", probed_app)
    failures: list[str] = []

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers[role]}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            try:
                case.validate_response(response, checks=CHECKS, headers=headers[role])
            except FailureGroup as group:
                failures.extend(_failures(case, group, response.status_code))

    Machine.run(
        settings=settings(
            max_examples=EXAMPLES * 4,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )
    assert sorted(set(failures)) == []
