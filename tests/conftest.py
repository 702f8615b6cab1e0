"""Shared fixtures: one generated demo world per test session (real files, real formats)."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
import time_machine
from filelock import FileLock

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


# Files that take minutes, longest first (summed from `make test`'s junit times, session 11). They go to
# the workers before everything else: xdist otherwise queues files by their number of tests, which left
# the two-test demo file (~6 min) to start last while the other worker sat idle.
SLOW_FIRST = (
    "superset",  # both dashboards files: ~12 min of one worker under load
    "tests/test_demo.py",
    "tests/test_ingestion_pipeline.py",
    "tests/api/test_schemathesis.py",
    "tests/test_generator.py",
    "tests/test_recognition.py",
    "tests/test_metrics.py",
    "tests/test_review_rules_flow.py",
    "tests/test_documents.py",
)


def _scope(nodeid: str) -> str:
    file = nodeid.split("::", 1)[0]
    return SHARED_WORKER.get(file, file)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow files first, then the rest by falling number of tests; a file's tests stay together, in order
    (every worker sorts the same collection the same way, so xdist sees one order)."""
    count = Counter(_scope(item.nodeid) for item in items)
    rank = {scope: place for place, scope in enumerate(SLOW_FIRST)}

    def key(item: pytest.Item) -> tuple[int, int]:
        scope = _scope(item.nodeid)
        return rank.get(scope, len(SLOW_FIRST)), -count[scope]

    items.sort(key=key)  # stable: files with equal keys keep their collection order


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` with the files of SHARED_WORKER sent to one worker as one unit, in the order of
    ``pytest_collection_modifyitems`` (not re-sorted by size)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    config.option.loadscopereorder = False

    class SharedFileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    return SharedFileScheduling(config, log)


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A demo world in --mixed mode (CSV in UTF-8/BOM/GB18030, XLSX, Parquet): generated once per run and
    read by every xdist worker (tests only read it). The first worker to need it generates it under a lock
    into the folder the workers' temporary folders share; the others wait for it (~40 s), not repeat it."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    out = shared / "demo-world"
    with FileLock(shared / "demo-world.lock"):
        if not out.exists():
            building = shared / "demo-world.partial"
            shutil.rmtree(building, ignore_errors=True)
            generate_world(building, get_scale("demo"), seed=42, mixed=True)
            building.rename(out)  # whole or absent: a worker that failed half-way leaves no world behind
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
