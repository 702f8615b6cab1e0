"""Materialise the code location in-process (no web server): what `zhifa run` and the tests call."""

import re
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
    load_only: bool = False,
) -> dg.ExecuteInProcessResult:
    """Run every asset and check (or ``selection``) once, in this process, in dependency order.

    ``op_config`` maps an op name to its config, e.g. ``{"document_fields": {"max_documents": 10}}``.
    ``load_only``: pick from the import domains alone (``dagster_defs.load_defs``): no marts, no snapshot,
    and dbt is never imported (most of a small load's start-up).
    """
    import dagster_defs

    defs = dagster_defs.load_defs() if load_only else dagster_defs.defs

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


# How ingestion.readers.TableReadError names a file in its message ("... / cannot read file PATH: why").
_UNREADABLE = re.compile(r"cannot read file (.+?): ")


def run_problems(result: dg.ExecuteInProcessResult) -> list[str]:
    """What makes a run fail for an operator, one bilingual phrase each: every failed blocking check
    (severity ERROR, or declared blocking), with the unreadable files it names, and every failed step."""
    problems = []
    for check in result.get_asset_check_evaluations():
        blocking = check.severity == dg.AssetCheckSeverity.ERROR or bool(getattr(check, "blocking", False))
        if check.passed or not blocking:
            continue
        table = check.asset_key.to_user_string()
        files = sorted(set(_UNREADABLE.findall(check.description or "")))
        if files:
            shown = ", ".join(files)
            problems.append(f"文件无法读取 {shown} / unreadable file {shown} ({table})")
        else:
            problems.append(f"{table} 检查未通过 / check failed: {check.check_name}")
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            message = (error.message if error else "").strip().splitlines()
            why = message[0][:300] if message else ""
            problems.append(f"步骤 {event.step_key} 失败 / step {event.step_key} failed: {why}")
    return problems


def failure_line(problems: list[str]) -> str:
    """The one line `zhifa run` ends with when the run did not pass."""
    return f"运行未通过（{len(problems)} 项）/ run failed ({len(problems)} problems): " + "; ".join(problems)
