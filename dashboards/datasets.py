"""The datasets of the dashboards: marts of the published snapshot, some joined so that every case-level
dataset carries the four filter columns (province_code, unit_code, period, violation_name).

No personal data: parties never reach the snapshot; officers and reviewers appear by their ids only, and
the review evidence sentences (which quote dossier facts) are left out.
"""

from __future__ import annotations

from dashboards.spec import PERIOD, Column, Dataset, Metric
from zhifa.dashboard_links import OFFICER_COLUMN

# --- shared columns (one definition, one Chinese label) -------------------------------------------------
PROVINCE = Column("province_code", "VARCHAR", "省级局代码")
UNIT = Column("unit_code", "VARCHAR", "单位代码")
# names from marts.dim_units: what people read on charts and pick in the filters
PROVINCE_NAME = Column("province_name", "VARCHAR", "省级局")
UNIT_PATH = Column("unit_path", "VARCHAR", "办案单位")
NAMES = (PROVINCE, PROVINCE_NAME, UNIT, UNIT_PATH)
VIOLATION = Column("violation_name", "VARCHAR", "违法类型")
# the officer filter's column (zhifa.dashboard_links.OFFICER_COLUMN): on case rows the lead officer
OFFICER = Column(OFFICER_COLUMN, "VARCHAR", "主办人员编号")
CASE = Column("case_id", "VARCHAR", "案件编号")
PERIOD_DATE = Column(PERIOD, "DATE", "期间")


def _names(alias: str) -> str:
    """Join the unit's names (dim_units, as ``u``) to a table aliased ``alias`` with a unit_code column."""
    return f"\nLEFT JOIN marts.dim_units u ON u.unit_code = {alias}.unit_code"


NAME_COLUMNS = "u.province_name, u.path AS unit_path"


def _period_from_year(label: str = "年度") -> Column:
    return Column(PERIOD, "DATE", label, expression="make_date(year, 1, 1)")


def _count(name: str, label: str, condition: str | None = None) -> Metric:
    expr = f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)" if condition else "COUNT(*)"
    return Metric(name, expr, label, ",d")


QUANTILES = ((10, "P10"), (25, "下四分位"), (50, "中位数"), (75, "上四分位"), (90, "P90"))


def quantile_names(prefix: str) -> list[str]:
    return [f"{prefix}_p{q}" for q, _ in QUANTILES]


def _quantiles(prefix: str, column: str, label: str, fmt: str) -> tuple[Metric, ...]:
    """Distribution as SQL quantiles over every case in the filtered range (no row sample, any scale).

    Each metric takes one element of the same list aggregate, which DuckDB computes once (one sort per
    group instead of five: 4× faster per unit at 1M cases)."""
    levels = ", ".join(str(q / 100) for q, _ in QUANTILES)
    return tuple(
        Metric(f"{prefix}_p{q}", f"quantile_cont({column}, [{levels}])[{i}]", f"{label}{name}", fmt)
        for i, (q, name) in enumerate(QUANTILES, start=1)
    )


def _flag_label(positive: str) -> Column:
    return Column(
        "flag_label", "VARCHAR", "标记", expression=f"CASE WHEN flagged THEN '{positive}' ELSE '—' END"
    )


# fct_case_overview: one row per case with names, periods and the fine, quality and risk columns, joined
# once in dbt (joining the 1M-row marts at query time cost 0.2–0.7 s a chart at national 5-year scale)
OVERVIEW = "marts.fct_case_overview"
_CASE_KEYS = (
    f"case_id, province_code, province_name, unit_code, unit_path, lead_officer_id AS {OFFICER_COLUMN}, "
    "violation_name"
)

CASE_FINES = Dataset(
    table="v_case_fines",
    label="案件罚款",
    sql=f"""SELECT {_CASE_KEYS}, violation_code, tier, tier_label, fine_status, rate, fine_amount,
    computed_amount, statutory_min_amount, statutory_max_amount, in_tier, in_statutory_range, deviation,
    deviation_approved, deviation_unapproved, violation_tier, decision_period AS {PERIOD}
FROM {OVERVIEW}""",
    columns=(
        CASE,
        *NAMES,
        OFFICER,
        Column("violation_code", "VARCHAR", "违法类型代码"),
        VIOLATION,
        Column("tier", "INTEGER", "裁量档次"),
        Column("tier_label", "VARCHAR", "档次名称"),
        Column("fine_status", "VARCHAR", "评估状态"),
        Column("rate", "DOUBLE", "罚款比例", fmt=".1%"),
        Column("fine_amount", "DOUBLE", "罚款金额（元）", fmt=",.2f"),
        Column("computed_amount", "DOUBLE", "核定案值（元）", fmt=",.2f"),
        Column("statutory_min_amount", "DOUBLE", "法定最低罚款（元）", fmt=",.2f"),
        Column("statutory_max_amount", "DOUBLE", "法定最高罚款（元）", fmt=",.2f"),
        Column("in_tier", "BOOLEAN", "在档次内"),
        Column("in_statutory_range", "BOOLEAN", "在法定幅度内"),
        Column("deviation", "DOUBLE", "偏离基准比例", fmt="+.1%"),
        Column("deviation_approved", "BOOLEAN", "经审批的偏离"),
        Column("deviation_unapproved", "BOOLEAN", "未经审批的偏离"),
        PERIOD_DATE,
        Column("violation_tier", "VARCHAR", "违法类型·档次"),
    ),
    metrics=(
        _count("n_cases", "案件数"),
        _count("n_assessed", "已评估案件数", "fine_status = 'ok'"),
        _count("n_out_of_range", "超出法定幅度案件数", "in_statutory_range = false"),
        _count("n_dev_approved", "经审批的偏离", "deviation_approved"),
        _count("n_dev_unapproved", "未经审批的偏离", "deviation_unapproved"),
        Metric("avg_rate", "AVG(rate)", "平均罚款比例", ".1%"),
        *_quantiles("rate", "rate", "比例", ".1%"),
        Metric("rate_min", "MIN(rate)", "最低比例", ".1%"),
        Metric("rate_max", "MAX(rate)", "最高比例", ".1%"),
    ),
)

_CONSISTENCY_COLUMNS = (
    Column("year", "INTEGER", "年度"),
    Column("n_cases", "INTEGER", "案件数"),
    Column("effect", "DOUBLE", "偏离效应"),
    Column("effect_low", "DOUBLE", "区间下限"),
    Column("effect_high", "DOUBLE", "区间上限"),
    Column("flagged", "BOOLEAN", "突出"),
    Column("direction", "VARCHAR", "方向"),
    Column("effect_rate", "DOUBLE", "偏离（比例点）"),
    Column(
        "direction_zh",
        "VARCHAR",
        "偏离方向",
        expression="CASE direction WHEN 'high' THEN '偏重' WHEN 'low' THEN '偏轻' ELSE '' END",
    ),
    _flag_label("突出"),
    _period_from_year(),
)
_CONSISTENCY_METRICS = (
    Metric("effect_max", "MAX(effect)", "偏离效应", ".2f"),
    Metric("effect_low_max", "MAX(effect_low)", "区间下限", ".2f"),
    Metric("effect_high_max", "MAX(effect_high)", "区间上限", ".2f"),
    Metric("cases_sum", "SUM(n_cases)", "案件数", ",d"),
    _count("n_flagged", "突出数", "flagged"),
)


def _consistency(mart: str, subject: str = "", evidence: str = "") -> str:
    """A consistency mart with the unit's names (the officer mart has no province_code of its own)."""
    return f"""SELECT {subject}u.province_code, u.province_name, c.unit_code, u.path AS unit_path, c.year,
    c.n_cases, c.effect, c.effect_low, c.effect_high, c.flagged, c.direction, c.effect_rate{evidence}
FROM marts.{mart} c{_names("c")}"""


UNIT_CONSISTENCY = Dataset(
    table="v_unit_fine_consistency",
    label="单位罚款一致性",
    sql=_consistency("fct_unit_fine_consistency"),
    columns=(*NAMES, *_CONSISTENCY_COLUMNS),
    metrics=_CONSISTENCY_METRICS,
)
OFFICER_CONSISTENCY = Dataset(
    table="v_officer_fine_consistency",
    label="执法人员罚款一致性",
    # a flag harms an officer: the posterior probability, q-value and why (not) flagged are shown with it
    sql=_consistency(
        "fct_officer_fine_consistency", "c.officer_id, ", ", c.prob_outside_band, c.q_value, c.assessment"
    ),
    columns=(
        OFFICER,
        *NAMES,
        *_CONSISTENCY_COLUMNS,
        Column("prob_outside_band", "DOUBLE", "超出合理范围的后验概率", fmt=".3f"),
        Column("q_value", "DOUBLE", "q值（误标比例）", fmt=".3f"),
        Column("assessment", "VARCHAR", "评估结论"),
    ),
    metrics=(
        *_CONSISTENCY_METRICS,
        Metric("prob_max", "MAX(prob_outside_band)", "后验概率", ".3f"),
        Metric("q_min", "MIN(q_value)", "q值", ".3f"),
    ),
)

SIMILAR_PAIRS = Dataset(
    table="v_similar_case_pairs",
    label="相似案件罚款差异",
    # units from the case ids (C + unit code + year + serial, docs/conventions.md): joining the 2.9k-row
    # unit table instead of the 1M-row case table twice keeps this chart fast at national scale
    sql=f"""SELECT p.case_a, p.case_b, p.province_code, u.province_name, u.unit_code, u.path AS unit_path,
    ub.unit_code AS unit_code_b, ub.path AS unit_path_b, v.name_zh AS violation_name, p.tier, p.amount_band,
    p.amount_a, p.amount_b, p.rate_a, p.rate_b, p.rate_gap, make_date(p.year, 1, 1) AS {PERIOD}
FROM marts.fct_similar_case_pairs p
LEFT JOIN marts.dim_units u ON u.unit_code = substr(p.case_a, 2, 6)
LEFT JOIN marts.dim_units ub ON ub.unit_code = substr(p.case_b, 2, 6)
LEFT JOIN ref.ref_violation_types v ON v.violation_code = p.violation_code""",
    columns=(
        Column("case_a", "VARCHAR", "案件甲"),
        Column("case_b", "VARCHAR", "案件乙"),
        *NAMES,
        Column("unit_code_b", "VARCHAR", "案件乙单位代码"),
        Column("unit_path_b", "VARCHAR", "案件乙办案单位"),
        VIOLATION,
        Column("tier", "INTEGER", "裁量档次"),
        Column("amount_band", "BIGINT", "案值区间"),
        Column("amount_a", "DOUBLE", "案值甲（元）", fmt=",.2f"),
        Column("amount_b", "DOUBLE", "案值乙（元）", fmt=",.2f"),
        Column("rate_a", "DOUBLE", "罚款比例甲", fmt=".1%"),
        Column("rate_b", "DOUBLE", "罚款比例乙", fmt=".1%"),
        Column("rate_gap", "DOUBLE", "比例差", fmt=".1%"),
        PERIOD_DATE,
    ),
    metrics=(_count("n_pairs", "案件对数"),),
    # a pair shows both cases: both must lie in the user's scope
    scope_columns=("unit_code", "unit_code_b"),
)

DOSSIER_QUALITY = Dataset(
    table="v_dossier_quality",
    label="案卷质量",
    sql=f"""SELECT {_CASE_KEYS}, machine_score, machine_grade, veto, n_failed_rules, human_score, human_grade,
    final_score, final_grade, final_source, decision_period AS {PERIOD}
FROM {OVERVIEW}
WHERE has_quality""",
    columns=(
        CASE,
        *NAMES,
        OFFICER,
        VIOLATION,
        Column("machine_score", "DOUBLE", "机审得分"),
        Column("machine_grade", "VARCHAR", "机审等级"),
        Column("veto", "BOOLEAN", "一票否决"),
        Column("n_failed_rules", "INTEGER", "未通过规则数"),
        Column("human_score", "DOUBLE", "人工评分"),
        Column("human_grade", "VARCHAR", "人工等级"),
        Column("final_score", "DOUBLE", "最终得分"),
        Column("final_grade", "VARCHAR", "最终等级"),
        Column("final_source", "VARCHAR", "评定来源"),
        PERIOD_DATE,
    ),
    metrics=(
        _count("n_dossiers", "案卷数"),
        _count("n_veto", "一票否决案卷数", "veto"),
        Metric("avg_final_score", "AVG(final_score)", "平均得分", ".1f"),
        *_quantiles("score", "final_score", "得分", ".1f"),
        _count("n_human", "人工评查案卷数", "human_grade IS NOT NULL"),
        Metric(
            "agreement_rate",
            "AVG(CASE WHEN human_grade IS NULL THEN NULL "
            "WHEN machine_grade = human_grade THEN 1.0 ELSE 0.0 END)",
            "机审与人工等级一致率",
            ".1%",
        ),
    ),
)

_CATEGORY_ZH = (
    "CASE category WHEN 'form' THEN '形式' WHEN 'subject' THEN '主体' WHEN 'facts' THEN '事实' "
    "WHEN 'evidence' THEN '证据' WHEN 'procedure' THEN '程序' WHEN 'legal_basis' THEN '法律适用' "
    "WHEN 'discretion' THEN '自由裁量' WHEN 'documents' THEN '文书' ELSE category END"
)
# fct_rule_failures: the failed rules only (about 1 % of fct_rule_results), already carrying unit and period
RULE_FAILURES = Dataset(
    table="v_rule_failures",
    label="评查规则未通过",
    sql=f"""SELECT r.case_id, r.province_code, {NAME_COLUMNS}, r.unit_code, v.name_zh AS violation_name,
    r.rule_id, r.rule_name, r.category, r.deducted_points, r.veto, r.period AS {PERIOD}
FROM marts.fct_rule_failures r
LEFT JOIN ref.ref_violation_types v ON v.violation_code = r.violation_code{_names("r")}""",
    columns=(
        CASE,
        *NAMES,
        VIOLATION,
        Column("rule_id", "VARCHAR", "规则编号"),
        Column("rule_name", "VARCHAR", "评查规则"),
        Column("category", "VARCHAR", "类别代码"),
        Column("deducted_points", "DOUBLE", "扣分"),
        Column("veto", "BOOLEAN", "否决"),
        PERIOD_DATE,
        Column("category_zh", "VARCHAR", "规则类别", expression=_CATEGORY_ZH),
    ),
    metrics=(
        _count("n_failed", "未通过次数"),
        Metric("points_lost", "SUM(deducted_points)", "扣分合计", ",.1f"),
    ),
)

REVIEWER_CALIBRATION = Dataset(
    table="fct_reviewer_calibration",
    label="评查人员校准",
    columns=(
        Column("reviewer_id", "VARCHAR", "评查人员编号"),
        UNIT,  # the reviewer's unit: what row-level security scopes on
        Column("year", "INTEGER", "年度"),
        Column("n_reviews", "INTEGER", "评查次数"),
        Column("n_compared", "INTEGER", "可比评查次数"),
        Column("mean_offset", "DOUBLE", "平均偏差（分）"),
        Column("offset_pooled", "DOUBLE", "校准偏差（分）"),
        Column("offset_low", "DOUBLE", "区间下限"),
        Column("offset_high", "DOUBLE", "区间上限"),
        Column("agreement", "DOUBLE", "一致率"),
        Column("flagged", "BOOLEAN", "突出"),
        Column("direction", "VARCHAR", "方向"),
        Column(
            "direction_zh",
            "VARCHAR",
            "倾向",
            expression="CASE direction WHEN 'lenient' THEN '偏宽' WHEN 'harsh' THEN '偏严' ELSE '正常' END",
        ),
        _period_from_year(),
    ),
    metrics=(
        Metric("offset_max", "MAX(offset_pooled)", "校准偏差（分）", ".1f"),
        Metric("offset_low_max", "MAX(offset_low)", "区间下限", ".1f"),
        Metric("offset_high_max", "MAX(offset_high)", "区间上限", ".1f"),
        Metric("agreement_max", "MAX(agreement)", "一致率", ".0%"),
        Metric("reviews_sum", "SUM(n_reviews)", "评查次数", ",d"),
    ),
)

UNIT_RISK = Dataset(
    table="v_unit_risk",
    label="单位风险",
    # month renamed, not aliased by a calculated column: the time grain must wrap a real column.
    # The unit tree's names come pre-joined (city_path: a county rolls up into its city; the three *_short
    # columns are the treemap's levels): joined here they were most of the heatmap's query time.
    sql=f"""SELECT unit_code, province_code, province_name, unit_path, city_path, province_short, city_short,
    unit_short, month AS {PERIOD}, n_cases, n_signals, n_cases_with_signals, risk_index
FROM marts.fct_unit_risk_tree""",
    columns=(
        *NAMES,
        Column("city_path", "VARCHAR", "地市"),
        Column("province_short", "VARCHAR", "省"),
        Column("city_short", "VARCHAR", "市"),
        Column("unit_short", "VARCHAR", "县（区）"),
        Column(PERIOD, "DATE", "月份"),
        Column("n_cases", "INTEGER", "案件数"),
        Column("n_signals", "INTEGER", "风险信号数"),
        Column("n_cases_with_signals", "INTEGER", "有信号案件数"),
        Column("risk_index", "DOUBLE", "风险指数"),
    ),
    metrics=(
        # the mart's risk index is the mean risk score per case: re-weight by cases when rolling up
        Metric("risk_index_avg", "SUM(risk_index * n_cases) / SUM(n_cases)", "风险指数", ".2f"),
        Metric("signals_sum", "SUM(n_signals)", "风险信号数", ",d"),
        Metric("cases_sum", "SUM(n_cases)", "案件数", ",d"),
    ),
)

RISK_SIGNALS = Dataset(
    table="v_risk_signals",
    label="风险信号",
    sql=f"""SELECT s.case_id, s.province_code, {NAME_COLUMNS}, s.unit_code, v.name_zh AS violation_name,
    s.signal_code, s.signal_name, s.legal_basis, s.weight, s.discovered_date AS {PERIOD}
FROM marts.fct_case_risk_signals s
LEFT JOIN ref.ref_violation_types v ON v.violation_code = s.violation_code{_names("s")}""",
    columns=(
        CASE,
        *NAMES,
        VIOLATION,
        Column("signal_code", "VARCHAR", "信号代码"),
        Column("signal_name", "VARCHAR", "风险信号"),
        Column("legal_basis", "VARCHAR", "法律依据"),
        Column("weight", "DOUBLE", "权重"),
        PERIOD_DATE,
    ),
    metrics=(_count("n_signals", "信号数"), Metric("n_cases", "COUNT(DISTINCT case_id)", "涉及案件数", ",d")),
)

CASE_RISK = Dataset(
    table="v_case_risk",
    label="案件风险",
    sql=f"""SELECT {_CASE_KEYS}, n_signals, risk_score, signal_codes, discovered_date AS {PERIOD}
FROM {OVERVIEW}
WHERE has_risk""",
    columns=(
        CASE,
        *NAMES,
        OFFICER,
        VIOLATION,
        Column("n_signals", "INTEGER", "信号数"),
        Column("risk_score", "DOUBLE", "风险分", fmt=".1f"),
        Column("signal_codes", "VARCHAR", "信号代码"),
        PERIOD_DATE,
    ),
    metrics=(
        _count("n_cases", "案件数"),
        _count("n_risky", "有风险信号的案件数", "n_signals > 0"),
        Metric("risk_score_max", "MAX(risk_score)", "风险分", ".1f"),
    ),
)

DATASETS = (
    CASE_FINES,
    UNIT_CONSISTENCY,
    OFFICER_CONSISTENCY,
    SIMILAR_PAIRS,
    DOSSIER_QUALITY,
    RULE_FAILURES,
    REVIEWER_CALIBRATION,
    UNIT_RISK,
    RISK_SIGNALS,
    CASE_RISK,
)
