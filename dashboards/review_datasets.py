"""Datasets of the 评查工作 (review operations) dashboard: human reviews (bulk and API), the API's review
tasks, review durations and sampling coverage — each with the four filter columns (province_name,
unit_path, period, violation_name where the mart knows the case).

No personal data: reviewers appear by their ids only; scores, never comments.
"""

from __future__ import annotations

from dashboards.datasets import (
    NAMES,
    PERIOD_DATE,
    VIOLATION,
    _count,
    _names,
    _period_from_year,
    _quantiles,
)
from dashboards.spec import PERIOD, Column, Dataset, Metric

MODE_ZH = (
    "CASE {0}.mode WHEN 'pool' THEN '抢单' WHEN 'sample' THEN '抽查' WHEN 're_review' THEN '复核' "
    "WHEN 'arbitration' THEN '仲裁' ELSE {0}.mode END"
)
MODE = Column("mode", "VARCHAR", "评查方式代码")
MODE_LABEL = Column("mode_zh", "VARCHAR", "评查方式")
# a re-review with a score to compare: the denominator of the disagreement share
COMPARED = "mode = 're_review' AND score_gap IS NOT NULL"

HUMAN_REVIEWS = Dataset(
    table="v_human_reviews",
    label="人工评查",
    sql=f"""SELECT h.review_id, h.case_id, h.province_code, u.province_name, h.unit_code, h.unit_path,
    v.name_zh AS violation_name, h.reviewer_id, h.mode, {MODE_ZH.format("h")} AS mode_zh, h.source,
    h.review_hours, h.total_score, h.score_gap, h.gap_threshold, h.over_gap, h.review_date AS {PERIOD}
FROM marts.fct_human_reviews h
LEFT JOIN ref.ref_violation_types v ON v.violation_code = h.violation_code{_names("h")}""",
    columns=(
        Column("review_id", "VARCHAR", "评查编号"),
        Column("case_id", "VARCHAR", "案件编号"),
        *NAMES,
        VIOLATION,
        Column("reviewer_id", "VARCHAR", "评查人员编号"),
        MODE,
        MODE_LABEL,
        Column("source", "VARCHAR", "来源"),
        Column("review_hours", "DOUBLE", "用时（小时）", fmt=".1f"),
        Column("total_score", "DOUBLE", "得分", fmt=".1f"),
        Column("score_gap", "DOUBLE", "与前次评查分差", fmt=".1f"),
        Column("gap_threshold", "DOUBLE", "分歧阈值（分）"),
        Column("over_gap", "BOOLEAN", "超过分歧阈值"),
        PERIOD_DATE,
    ),
    metrics=(
        _count("n_reviews", "评查次数"),
        _count("n_compared", "可比复核次数", COMPARED),
        _count("n_over_gap", "分歧超过阈值的复核", f"{COMPARED} AND over_gap"),
        Metric(
            "share_over_gap",
            f"AVG(CASE WHEN {COMPARED} THEN CASE WHEN over_gap THEN 1.0 ELSE 0.0 END END)",
            "分歧超过阈值占比",
            ".1%",
        ),
        *_quantiles("gap", "score_gap", "分差", ".1f"),
    ),
)

_AGE_BAND = (
    "CASE WHEN age_days < 1 THEN '1天内' WHEN age_days < 3 THEN '1–3天' "
    "WHEN age_days < 7 THEN '3–7天' ELSE '7天以上' END"
)
UNFINISHED = "status IN ('open', 'claimed')"

# the API's tasks: only they know what is still waiting (bulk reviews arrive finished)
REVIEW_TASKS = Dataset(
    table="v_review_tasks",
    label="评查任务",
    sql=f"""SELECT t.task_id, t.case_id, t.province_code, u.province_name, t.unit_code, u.path AS unit_path,
    o.violation_name, t.mode, {MODE_ZH.format("t")} AS mode_zh, t.status,
    date_diff('hour', t.published_at, now()) / 24.0 AS age_days, t.claim_to_finish_hours,
    t.published_date AS {PERIOD}
FROM marts.fct_review_tasks t{_names("t")}
LEFT JOIN marts.fct_case_overview o ON o.case_id = t.case_id""",
    columns=(
        Column("task_id", "VARCHAR", "任务编号"),
        Column("case_id", "VARCHAR", "案件编号"),
        *NAMES,
        VIOLATION,
        MODE,
        MODE_LABEL,
        Column("status", "VARCHAR", "任务状态"),
        Column("age_days", "DOUBLE", "已等待（天）", fmt=".1f"),
        Column("claim_to_finish_hours", "DOUBLE", "领取到提交（小时）", fmt=".1f"),
        Column(PERIOD, "DATE", "发布日期"),
        Column("age_band", "VARCHAR", "等待时长", expression=_AGE_BAND),
    ),
    metrics=(
        _count("n_tasks", "任务数"),
        _count("n_backlog", "未完成任务数", UNFINISHED),
    ),
)

# one duration per finished review: bulk reviews from start to submission, API tasks from claim to
# submission (the API's own human reviews are left out here so that no review counts twice)
REVIEW_DURATIONS = Dataset(
    table="v_review_durations",
    label="评查用时",
    sql=f"""SELECT h.province_code, u.province_name, h.unit_code, u.path AS unit_path,
    v.name_zh AS violation_name, h.mode, {MODE_ZH.format("h")} AS mode_zh, '开始→提交' AS timing,
    h.review_hours AS hours, h.review_date AS {PERIOD}
FROM marts.fct_human_reviews h
LEFT JOIN ref.ref_violation_types v ON v.violation_code = h.violation_code{_names("h")}
WHERE h.source = 'bulk' AND h.review_hours IS NOT NULL
UNION ALL
SELECT t.province_code, u.province_name, t.unit_code, u.path, o.violation_name, t.mode,
    {MODE_ZH.format("t")}, '领取→提交', t.claim_to_finish_hours, t.published_date
FROM marts.fct_review_tasks t{_names("t")}
LEFT JOIN marts.fct_case_overview o ON o.case_id = t.case_id
WHERE t.claim_to_finish_hours IS NOT NULL""",
    columns=(
        *NAMES,
        VIOLATION,
        MODE,
        MODE_LABEL,
        Column("timing", "VARCHAR", "计时口径"),
        Column("hours", "DOUBLE", "用时（小时）", fmt=".1f"),
        PERIOD_DATE,
    ),
    metrics=(_count("n_timed", "评查次数"), *_quantiles("hours", "hours", "用时", ".1f")),
)

REVIEW_COVERAGE = Dataset(
    table="v_review_coverage",
    label="抽查覆盖率",
    sql=f"""SELECT u.province_code, u.province_name, c.unit_code, u.path AS unit_path, c.year,
    c.n_decided_cases, c.n_sampled, c.n_reviewed, c.coverage
FROM marts.fct_review_coverage c{_names("c")}""",
    columns=(
        *NAMES,
        Column("year", "INTEGER", "年度"),
        Column("n_decided_cases", "INTEGER", "已决定案件数"),
        Column("n_sampled", "INTEGER", "抽查案件数"),
        Column("n_reviewed", "INTEGER", "人工评查案件数"),
        Column("coverage", "DOUBLE", "抽查覆盖率", fmt=".1%"),
        _period_from_year(),
    ),
    metrics=(
        # re-weighted by cases when units or years roll up
        Metric(
            "coverage_rate", "SUM(n_sampled) * 1.0 / NULLIF(SUM(n_decided_cases), 0)", "抽查覆盖率", ".1%"
        ),
        Metric("decided_sum", "SUM(n_decided_cases)", "已决定案件数", ",d"),
        Metric("sampled_sum", "SUM(n_sampled)", "抽查案件数", ",d"),
        Metric("reviewed_sum", "SUM(n_reviewed)", "人工评查案件数", ",d"),
    ),
)

REVIEW_DATASETS = (HUMAN_REVIEWS, REVIEW_TASKS, REVIEW_DURATIONS, REVIEW_COVERAGE)
