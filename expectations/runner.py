"""Run a table's suite with an ephemeral GX context (no project folder, no progress bars)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    evaluated: int
    failed: list[dict[str, Any]] = field(default_factory=list)  # expectation, column, unexpected count


def run_suite(table_name: str, frame: pd.DataFrame) -> SuiteOutcome:
    """Validate ``frame`` (the rows of ``raw.<table_name>``) against the table's suite."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from expectations.suites import build_suite

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(table_name)
        .add_batch_definition_whole_dataframe("whole_table")
    )
    suite = context.suites.add(build_suite(table_name))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"validate_{table_name}", data=batch, suite=suite)
    )
    result = definition.run(batch_parameters={"dataframe": frame})
    failed = []
    for r in result.results:
        config = r.expectation_config
        if r.success or config is None:
            continue
        column = config.kwargs.get("column") or config.kwargs.get("column_list")
        failed.append(
            {"expectation": config.type, "column": column, "unexpected": r.result.get("unexpected_count")}
        )
    return SuiteOutcome(suite.name, bool(result.success), len(result.results), failed)
