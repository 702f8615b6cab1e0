"""Benchmarks are scripts, not tests (docs/benchmarks.md), but they must still start: each one's
``--help`` runs its imports (several reach into tests/ helpers) and its argument parser. Five of them had
stopped importing after a helper moved, unnoticed until the next measurement."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("bench_*.py"))


def _help(script: Path) -> tuple[str, int, str]:
    done = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120
    )
    return script.name, done.returncode, done.stderr[-1500:]


@pytest.mark.slow
def test_every_benchmark_starts() -> None:
    assert len(BENCHMARKS) >= 10
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_help, BENCHMARKS))
    broken = {name: err for name, code, err in results if code != 0}
    assert not broken, broken
