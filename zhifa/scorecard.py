"""执法考评: the scorecard component catalogue (seed ``ref_scorecard_components``) and its checks.

A role's weights must sum to 100 and each scale (worst → 0, best → 100) must point the way its direction
says. The same checks are the dbt test ``tests/assert_scorecard_weights.sql``; this one runs before the
pipeline builds (``dagster_defs.metrics``, ``zhifa run``, ``zhifa scorecard check``) so a person reads
which role is wrong and by how much, instead of a failing test name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

from zhifa.reference import read_seed
from zhifa.settings import SEEDS_DIR

COMPONENTS_SEED = SEEDS_DIR / "ref_scorecard_components.csv"
WEIGHT_TOTAL = 100.0
UP = "higher_better"
DIRECTIONS = (UP, "lower_better")


class ScorecardComponentsError(ValueError):
    """The component catalogue cannot be used; the message lists every problem (Chinese / English)."""


def _number(row: Mapping[str, str], key: str, where: str, problems: list[str]) -> float | None:
    try:
        value = float(row.get(key) or "")
    except ValueError:
        problems.append(f"{where}: {key} 不是数字 / is not a number: {row.get(key)!r}")
        return None
    if not math.isfinite(value):
        problems.append(f"{where}: {key} 不是有限数 / is not finite")
        return None
    return value


def component_problems(rows: Iterable[Mapping[str, str]]) -> list[str]:
    """Every problem of a component catalogue (empty when it can be used)."""
    problems: list[str] = []
    totals: dict[str, float] = {}
    seen: set[tuple[str, str]] = set()
    for row in rows:
        role, component = (row.get("role") or "").strip(), (row.get("component") or "").strip()
        where = f"{role or '?'}.{component or '?'}"
        if not role or not component:
            problems.append(f"{where}: 缺少角色或指标 / role and component are required")
        if (role, component) in seen:
            problems.append(f"{where}: 考评指标重复 / duplicate component")
        seen.add((role, component))
        weight = _number(row, "weight", where, problems)
        worst, best = _number(row, "worst", where, problems), _number(row, "best", where, problems)
        if weight is not None:
            if weight < 0:
                problems.append(f"{where}: 权重不能为负 / weight must not be negative: {weight:g}")
            totals[role] = totals.get(role, 0.0) + weight
        direction = row.get("direction")
        if direction not in DIRECTIONS:
            problems.append(
                f"{where}: direction 须为 / must be one of {' | '.join(DIRECTIONS)}: {direction!r}"
            )
        elif (
            worst is not None and best is not None and (worst == best or (best > worst) != (direction == UP))
        ):
            problems.append(
                f"{where}: 考评方向与刻度不符 / {direction} needs best "
                f"{'>' if direction == UP else '<'} worst (worst {worst:g}, best {best:g})"
            )
        if not (row.get("source") or "").strip() or not (row.get("raw_expr") or "").strip():
            problems.append(f"{where}: 缺少数据来源 / source and raw_expr are required")
    for role, total in sorted(totals.items()):
        if abs(total - WEIGHT_TOTAL) > 1e-9:
            problems.append(
                f"{role}: 考评权重合计须为100，现为 {total:g} / the weights of role {role} sum to {total:g}, "
                f"not {WEIGHT_TOTAL:g}"
            )
    return problems


def check_components(rows: Iterable[Mapping[str, str]]) -> None:
    """Refuse a catalogue with any problem (ScorecardComponentsError naming each)."""
    problems = component_problems(rows)
    if problems:
        raise ScorecardComponentsError(
            "考评指标配置有误 / scorecard components refused:\n" + "\n".join(problems)
        )


def check_seed(path: Path = COMPONENTS_SEED) -> None:
    """Check the seed file the warehouse build will load."""
    check_components(read_seed(path).to_dict("records"))
