"""执法考评 tests: a published snapshot holding marts.fct_scorecards and fct_scorecard_components for the
test users (李明 O410122001 of 中牟县 410122, 王芳 O410122002, 孙丽 O410200001 of 开封市 410200, who also
approves there). 李明 also
decided cases in 开封 in November (a move between units mid-month: a second scorecard there)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from zhifa.reference import read_seed
from zhifa.scorecard import COMPONENTS_SEED

NAMES = {"O410122001": "李明", "O410122002": "王芳", "O410200001": "孙丽", None: None}
UNITS = {"410122": "中牟县烟草专卖局", "410200": "开封市烟草专卖局"}
# component -> (name, weight, worst, best)
SCALES = {
    "dossier_quality": ("案卷质量", 50, 60, 100),
    "timeliness": ("办案时效", 30, 0, 1),
    "fine_disparity": ("罚款裁量一致性", 20, 1, 0),
    "calibration": ("与共识的校准", 40, 0.5, 1),
    "rereview_agreement": ("复评一致性", 25, 0, 1),
    "decide_time": ("审批用时", 30, 72, 4),
    "deviation_without_reason": ("无书面理由批准裁量偏离", 30, 0.5, 0),
}
# (level, role, person, unit, month) -> {component: (n_basis, raw value)}
CARDS = {
    ("officer", "handler", "O410122001", "410122", "2026-11-01"): {
        "dossier_quality": (4, 90.0),
        "timeliness": (4, 0.75),
        "fine_disparity": (4, 0.0),
    },
    ("officer", "handler", "O410122001", "410200", "2026-11-01"): {"timeliness": (2, 1.0)},
    ("officer", "handler", "O410122001", "410122", "2026-10-01"): {"dossier_quality": (3, 70.0)},
    ("officer", "case_reviewer", "O410122002", "410122", "2026-11-01"): {
        "calibration": (5, 0.8),
        "rereview_agreement": (2, 0.5),
    },
    ("officer", "handler", "O410200001", "410200", "2026-11-01"): {
        "dossier_quality": (6, 95.0),
        "timeliness": (6, 0.9),
        "fine_disparity": (6, 0.0),
    },
    ("officer", "approver", "O410200001", "410200", "2026-11-01"): {
        "decide_time": (14, 6.0),
        "deviation_without_reason": (2, 0.0),
    },
    ("unit", "handler", None, "410122", "2026-11-01"): {"dossier_quality": (9, 85.0), "timeliness": (9, 0.8)},
    ("unit", "handler", None, "410200", "2026-11-01"): {"dossier_quality": (6, 95.0), "timeliness": (8, 1.0)},
}


def components(card: tuple[str | None, ...]) -> list[dict[str, float | str | int]]:
    """The card's components with sub-score, effective weight and contribution (the mart's arithmetic)."""
    parts = CARDS[card]  # type: ignore[index]
    covered = sum(SCALES[c][1] for c in parts)
    out: list[dict[str, float | str | int]] = []
    for comp, (n, raw) in parts.items():
        name, weight, worst, best = SCALES[comp]
        sub = 100 * min(1.0, max(0.0, (raw - worst) / (best - worst)))
        effective = weight * 100 / covered
        out.append({"component": comp, "name_zh": name, "n_basis": n, "raw_value": raw, "worst": worst,
                    "best": best, "sub_score": sub, "weight": weight, "effective_weight": effective,
                    "contribution": sub * effective / 100})  # fmt: skip
    return out


def publish(snapshot: Path) -> None:
    seed = read_seed(COMPONENTS_SEED)
    said = {(r.role, r.component): r.description_zh for r in seed.itertuples()}
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(snapshot))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE OR REPLACE TABLE marts.fct_scorecards (level VARCHAR, role VARCHAR, person_id VARCHAR, "
        "person_name VARCHAR, unit_code VARCHAR, unit_name VARCHAR, month DATE, total_score DOUBLE, "
        "n_components INTEGER, n_components_defined INTEGER, weight_covered DOUBLE)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE marts.fct_scorecard_components (level VARCHAR, role VARCHAR, "
        "person_id VARCHAR, unit_code VARCHAR, month DATE, component VARCHAR, name_zh VARCHAR, "
        "description_zh VARCHAR, "
        "n_basis INTEGER, raw_value DOUBLE, direction VARCHAR, worst DOUBLE, best DOUBLE, sub_score DOUBLE, "
        "weight DOUBLE, effective_weight DOUBLE, contribution DOUBLE)"
    )
    for card in CARDS:
        level, role, person, unit, month = card
        parts = components(card)
        con.execute(
            "INSERT INTO marts.fct_scorecards VALUES (?,?,?,?,?,?,?,?,?,3,?)",
            [level, role, person, NAMES[person], unit, UNITS[unit], month,
             sum(float(p["contribution"]) for p in parts), len(parts),
             sum(float(p["weight"]) for p in parts)],
        )  # fmt: skip
        for p in parts:
            direction = "higher_better" if float(p["best"]) > float(p["worst"]) else "lower_better"
            con.execute(
                "INSERT INTO marts.fct_scorecard_components VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [level, role, person, unit, month, p["component"], p["name_zh"], said[role, p["component"]],
                 p["n_basis"], p["raw_value"], direction, p["worst"], p["best"], p["sub_score"], p["weight"],
                 p["effective_weight"], p["contribution"]],
            )  # fmt: skip
    con.close()
