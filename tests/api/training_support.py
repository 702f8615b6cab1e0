"""A published snapshot holding the training marts (recommendations and, optionally, the effect)."""

from __future__ import annotations

from pathlib import Path

import duckdb

VALUATION, NOTICE, LAW = "涉案物品核价实务", "告知、听证与法制审核", "法律适用与案件移送"
R034, R047 = "核价单价与价格目录一致（R034）", "处罚前事先告知（R047）"
RECOMMENDATIONS = [
    # level, subject, unit, course, title, rank, recommended, points, failed, evidence, examples
    ("officer", "O410122001", "410122", "TC04", VALUATION, 1, True, 12.5, 6, f"{R034}6/10", "C1,C2"),
    ("unit", "410122", "410122", "TC04", VALUATION, 1, True, 8.0, 6, f"{R034}6/40", "C1"),
    ("officer", "O410200001", "410200", "TC07", NOTICE, 1, True, 4.0, 3, f"{R047}3/9", "C9"),
]
FELL, SMALL = "培训后扣分率相对下降（区间不含0）", "样本过小，仅供参考"
EFFECT = [
    ("TC07", NOTICE, 12, 20, 0.4, 0.1, 0.4, 0.39, -0.29, -0.36, -0.22, False, FELL),
    ("TC08", LAW, 2, 15, 0.2, 0.1, 0.2, 0.2, -0.1, None, None, True, SMALL),
]


def publish(snapshot: Path, effect: bool = True) -> None:
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(snapshot))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE TABLE marts.fct_training_recommendations (level VARCHAR, subject_id VARCHAR, "
        "unit_code VARCHAR, course_id VARCHAR, course_title VARCHAR, course_rank INTEGER, "
        "recommended BOOLEAN, need_points DOUBLE, n_failed INTEGER, evidence VARCHAR, "
        "example_case_ids VARCHAR, window_start DATE, as_of DATE, completed_on DATE)"
    )
    con.executemany(
        "INSERT INTO marts.fct_training_recommendations VALUES (?,?,?,?,?,?,?,?,?,?,?, DATE '2025-01-01', "
        "DATE '2025-12-31', NULL)",
        RECOMMENDATIONS,
    )
    if effect:
        con.execute(
            "CREATE TABLE marts.fct_training_effect (course_id VARCHAR, course_title VARCHAR, "
            "n_trained INTEGER, n_comparison INTEGER, pre_rate_trained DOUBLE, post_rate_trained DOUBLE, "
            "pre_rate_comparison DOUBLE, post_rate_comparison DOUBLE, estimate DOUBLE, estimate_low DOUBLE, "
            "estimate_high DOUBLE, small_sample BOOLEAN, conclusion VARCHAR)"
        )
        con.executemany("INSERT INTO marts.fct_training_effect VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", EFFECT)
    con.close()
