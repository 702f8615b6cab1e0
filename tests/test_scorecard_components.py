"""执法考评 component catalogue: the shipped seed is usable, and every kind of bad set is refused with a
message naming the role or component (zhifa.scorecard; the dbt twin is checked in test_metrics)."""

from __future__ import annotations

import pytest

from zhifa.reference import read_seed
from zhifa.scorecard import COMPONENTS_SEED, ScorecardComponentsError, check_components, check_seed


def _rows() -> list[dict[str, str]]:
    return read_seed(COMPONENTS_SEED).to_dict("records")


def test_the_shipped_seed_is_accepted_and_every_role_sums_to_100() -> None:
    check_seed()
    totals: dict[str, float] = {}
    for row in _rows():
        totals[row["role"]] = totals.get(row["role"], 0.0) + float(row["weight"])
    assert totals == {"handler": 100, "approver": 100, "legal_reviewer": 100, "case_reviewer": 100}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"weight": "35"},
            "handler: 考评权重合计须为100，现为 95 / the weights of role handler sum to 95, not 100",
        ),
        ({"weight": "-50"}, "handler.dossier_quality: 权重不能为负"),
        ({"weight": "五十"}, "handler.dossier_quality: weight 不是数字"),
        ({"direction": "lower_better"}, "handler.dossier_quality: 考评方向与刻度不符"),
        ({"direction": "up"}, "direction 须为 / must be one of higher_better | lower_better"),
        ({"best": "60"}, "handler.dossier_quality: 考评方向与刻度不符"),
        ({"raw_expr": " "}, "handler.dossier_quality: 缺少数据来源"),
    ],
)
def test_a_bad_component_set_is_refused_with_its_reason(change: dict[str, str], message: str) -> None:
    rows = _rows()
    first = next(
        i for i, r in enumerate(rows) if (r["role"], r["component"]) == ("handler", "dossier_quality")
    )
    rows[first] = {**rows[first], **change}
    with pytest.raises(ScorecardComponentsError, match="scorecard components refused") as err:
        check_components(rows)
    assert message in str(err.value)


def test_a_duplicate_component_is_refused() -> None:
    rows = _rows()
    with pytest.raises(ScorecardComponentsError, match=r"approver\.decide_time: 考评指标重复"):
        check_components([*rows, next(r for r in rows if r["role"] == "approver")])
