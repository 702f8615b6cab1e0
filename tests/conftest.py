"""Shared fixtures: one generated demo world per test session (real files, real formats)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
import time_machine

from generator import generate_world, get_scale
from zhifa import clock

# Pipeline runs in tests use a fixed test key, never one generated under the checkout's ./var. Set when this
# file is imported — before collection imports modules that read (and cache) the settings — not in a fixture.
os.environ.setdefault("ZHIFA_PSEUDONYM_KEY", "test-pseudonym-key-not-a-secret")

# Files whose tests must share one xdist worker because they share an expensive session fixture:
# both dashboards modules run on the session's Superset (``served``, ~2.5 min to start).
SHARED_WORKER = {
    "tests/test_dashboards.py": "superset",
    "tests/test_dashboards_access.py": "superset",
}


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` with the files of SHARED_WORKER sent to one worker as one unit."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedFileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = super()._split_scope(nodeid)
            return SHARED_WORKER.get(file, file)

    return SharedFileScheduling(config, log)


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo world in --mixed mode (CSV in UTF-8/BOM/GB18030, XLSX, Parquet)."""
    out = tmp_path_factory.mktemp("worlds") / "demo"
    generate_world(out, get_scale("demo"), seed=42, mixed=True)
    return out


@pytest.fixture(scope="session")
def demo_truth(demo_world: Path) -> dict[str, Any]:
    return json.loads((demo_world / "ground_truth" / "anomalies.json").read_text(encoding="utf-8"))


@pytest.fixture(params=[time(23, 59, 59), time(0, 0, 1)], ids=["before-shanghai-midnight", "after"])
def around_shanghai_midnight(request: pytest.FixtureRequest) -> Iterator[datetime]:
    """The project clock frozen a second before, then a second after, a Shanghai midnight of today:
    the hours when a UTC machine's date and the bureaus' date differ."""
    at = datetime.combine(clock.today(), request.param, clock.LOCAL).astimezone(UTC)
    with time_machine.travel(at, tick=False):
        yield at


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory, demo_world: Path) -> Iterator[Any]:
    """Superset serving the bundle over a published world (tests/superset_support.py), started once for
    every dashboards test module of the session."""
    from superset_support import start_served

    yield from start_served(tmp_path_factory, demo_world)
