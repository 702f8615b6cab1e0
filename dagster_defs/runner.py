"""Materialise the code location in-process (no web server): what `zhifa run` and the tests call."""

from datetime import date

import dagster as dg

from dagster_defs.resources import TAG_LANDINGS, TAG_REFRESH, TAG_SINCE


def run_pipeline(
    *,
    selection: dg.AssetSelection | None = None,
    landings: list[str] | None = None,
    full_refresh: bool = False,
    since: date | None = None,
    resources: dict[str, object] | None = None,
    instance: dg.DagsterInstance | None = None,
    log_level: str = "INFO",
    op_config: dict[str, dict[str, object]] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run every asset and check (or ``selection``) once, in this process, in dependency order.

    ``op_config`` maps an op name to its config, e.g. ``{"document_fields": {"max_documents": 10}}``.
    """
    from dagster_defs import defs

    tags: dict[str, str] = {}
    if landings:
        tags[TAG_LANDINGS] = ",".join(landings)
    if full_refresh:
        tags[TAG_REFRESH] = "full"
    if since is not None:
        tags[TAG_SINCE] = since.isoformat()
    return dg.materialize(
        [*(defs.assets or []), *(defs.asset_checks or [])],  # type: ignore[list-item]
        resources={**(defs.resources or {}), **(resources or {})},
        selection=selection,
        tags=tags,
        instance=instance,
        run_config={
            "loggers": {"console": {"config": {"log_level": log_level}}},
            "ops": {op: {"config": config} for op, config in (op_config or {}).items()},
        },
        raise_on_error=False,
    )
