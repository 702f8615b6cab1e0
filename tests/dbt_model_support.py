"""A dbt Python model run outside dbt (tests and benchmarks): the model file loaded as a module and a
stand-in for what the project's Python models ask of dbt — ``dbt.config(...)``, ``dbt.config.get(key)`` and
``dbt.ref(name)`` as a DuckDB relation."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

MODELS = Path(__file__).resolve().parent.parent / "dbt_project" / "models"


def load_model(relative: str) -> ModuleType:
    """The model file ``dbt_project/models/<relative>`` as a module (its ``model(dbt, session)``)."""
    path = MODELS / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Config:
    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values

    def __call__(self, **_: Any) -> None:  # the model's materialisation: dbt's business, not ours
        return None

    def get(self, key: str) -> str:
        return self.values[key]  # a key the stand-in was not given is a KeyError, not a silent default


class StandInDbt:
    """``ref`` answers each name; ``config`` holds the values the model reads with ``config.get``."""

    def __init__(
        self, ref: Callable[[str], duckdb.DuckDBPyRelation], config: Mapping[str, str] | None = None
    ) -> None:
        self.ref, self.config = ref, _Config(config or {})
