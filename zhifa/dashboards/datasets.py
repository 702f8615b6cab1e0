"""The datasets of the dashboards: marts of the published snapshot, some joined so that every case-level
dataset carries the four filter columns (province_code, unit_code, period, violation_name).

No personal data: parties never reach the snapshot; officers and reviewers appear by their ids only, and
the review evidence sentences (which quote dossier facts) are left out.
"""

from __future__ import annotations

from zhifa.dashboards.spec import PERIOD, Column, Dataset, Metric

# --- shared columns (one definition, one Chinese label) -------------------------------------------------
PROVINCE = Column("province_code", "VARCHAR", "省级局")
UNIT = Column("unit_code", "VARCHAR", "办案单位")
VIOLATION = Column("violation_name", "VARCHAR", "违法类型")
CASE = Column("case_id", "VARCHAR", "案件编号")
PERIOD_DATE = Column(PERIOD, "DATE", "期间")


def _period_from_year(label: str = "年度") -> Column:
    return Column(PERIOD, "DATE", label, expression="make_date(year, 1, 1)")


def _count(name: str, label: str, condition: str | None = None) -> Metric:
    expr = f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)" if condition else "COUNT(*)"
    return Metric(name, expr, label, ",d")


QUANTILES = ((10, "P10"), (25, "下四分位"), (50, "中位数"), (75, "上四分位"), (90, "P90"))


def quantile_names(prefix: str) -> list[str]:
    return [f"{prefix}_p{q}" for q, _ in QUANTILES]


def _quantiles(prefix: str, column: str, label: str, fmt: str) -> tuple[Metric, ...]:
    """Distribution as SQL quantiles over every case in the filtered range (no row sample, any scale)."""
    return tuple(
        Metric(f"{prefix}_p{q}", f"quantile_cont({column}, {q / 100})", f"{label}{name}", fmt)
        for q, name in QUANTILES
    )


def _flag_label(positive: str) -> Column:
    return Column(
        "flag_label", "VARCHAR", "标记", expression=f"CASE WHEN flagged THEN '{positive}' ELSE '—' END"
    )


# case → violation name and decision period, joined into the case-level datasets
_CASE_CONTEXT = """
    LEFT JOIN marts.fct_case_fines f ON f.case_id = {alias}.case_id
    LEFT JOIN ref.ref_violation_types v ON v.violation_code = f.violation_code"""
_CASE_PERIOD = "CAST(COALESCE(f.decided_at, f.discovered_date) AS DATE)"

CASE_FINES = Dataset(
    table="v_case_fines",
    label="案件罚款",
    sql=f"""SELECT f.case_id, f.province_code, f.unit_code, f.violation_code, v.name_zh AS violation_name,
    f.tier, f.tier_label, f.fine_status, f.rate, f.fine_amount, f.computed_amount, f.statutory_min_amount,
    f.statutory_max_amount, f.in_tier, f.in_statutory_range, f.deviation, f.deviation_approved,
    f.deviation_unapproved, {_CASE_PERIOD} AS {PERIOD}
FROM marts.fct_case_fines f
LEFT JOIN ref.ref_violation_types v ON v.violation_code = f.violation_code""",
    columns=(
        CASE,
        PROVINCE,
        UNIT,
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
        Column(
            "violation_tier",
            "VARCHAR",
            "违法类型·档次",
            expression="violation_name || ' · 第' || CAST(tier AS VARCHAR) || '档'",
        ),
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

UNIT_CONSISTENCY = Dataset(
    table="unit_fine_consistency",
    label="单位罚款一致性",
    columns=(PROVINCE, UNIT, *_CONSISTENCY_COLUMNS),
    metrics=_CONSISTENCY_METRICS,
)
OFFICER_CONSISTENCY = Dataset(
    table="officer_fine_consistency",
    label="执法人员罚款一致性",
    columns=(Column("officer_id", "VARCHAR", "主办人员编号"), UNIT, *_CONSISTENCY_COLUMNS),
    metrics=_CONSISTENCY_METRICS,
)

SIMILAR_PAIRS = Dataset(
    table="v_similar_case_pairs",
    label="相似案件罚款差异",
    sql=f"""SELECT p.case_a, p.case_b, p.province_code, a.unit_code, b.unit_code AS unit_code_b,
    v.name_zh AS violation_name, p.tier, p.amount_band, p.amount_a, p.amount_b, p.rate_a, p.rate_b,
    p.rate_gap, make_date(p.year, 1, 1) AS {PERIOD}
FROM marts.similar_case_pairs p
LEFT JOIN marts.fct_case_fines a ON a.case_id = p.case_a
LEFT JOIN marts.fct_case_fines b ON b.case_id = p.case_b
LEFT JOIN ref.ref_violation_types v ON v.violation_code = p.violation_code""",
    columns=(
        Column("case_a", "VARCHAR", "案件甲"),
        Column("case_b", "VARCHAR", "案件乙"),
        PROVINCE,
        UNIT,
        Column("unit_code_b", "VARCHAR", "案件乙办案单位"),
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
)

DOSSIER_QUALITY = Dataset(
    table="v_dossier_quality",
    label="案卷质量",
    sql=f"""SELECT q.case_id, q.province_code, q.unit_code, v.name_zh AS violation_name,
    q.machine_score, q.machine_grade, q.veto, q.n_failed_rules, q.human_score, q.human_grade,
    q.final_score, q.final_grade, q.final_source, {_CASE_PERIOD} AS {PERIOD}
FROM marts.fct_dossier_quality q{_CASE_CONTEXT.format(alias="q")}""",
    columns=(
        CASE,
        PROVINCE,
        UNIT,
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
RULE_RESULTS = Dataset(
    table="v_rule_results",
    label="评查规则结果",
    sql=f"""SELECT r.case_id, q.province_code, q.unit_code, v.name_zh AS violation_name, r.rule_id,
    r.rule_name, r.category, r.outcome, r.deducted_points, r.veto, r.veto_rule, {_CASE_PERIOD} AS {PERIOD}
FROM marts.rule_results r
LEFT JOIN marts.fct_dossier_quality q ON q.case_id = r.case_id{_CASE_CONTEXT.format(alias="r")}""",
    columns=(
        CASE,
        PROVINCE,
        UNIT,
        VIOLATION,
        Column("rule_id", "VARCHAR", "规则编号"),
        Column("rule_name", "VARCHAR", "评查规则"),
        Column("category", "VARCHAR", "类别代码"),
        Column("outcome", "VARCHAR", "结果"),
        Column("deducted_points", "DOUBLE", "扣分"),
        Column("veto", "BOOLEAN", "否决"),
        Column("veto_rule", "BOOLEAN", "否决项"),
        PERIOD_DATE,
        Column("category_zh", "VARCHAR", "规则类别", expression=_CATEGORY_ZH),
    ),
    metrics=(
        _count("n_failed", "未通过次数", "outcome = 'failed'"),
        Metric("points_lost", "SUM(deducted_points)", "扣分合计", ",.1f"),
    ),
)

REVIEWER_CALIBRATION = Dataset(
    table="reviewer_calibration",
    label="评查人员校准",
    columns=(
        Column("reviewer_id", "VARCHAR", "评查人员编号"),
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
    # month renamed, not aliased by a calculated column: the time grain must wrap a real column
    sql=f"""SELECT unit_code, province_code, month AS {PERIOD}, n_cases, n_signals, n_cases_with_signals,
    risk_index
FROM marts.unit_risk""",
    columns=(
        UNIT,
        PROVINCE,
        Column(PERIOD, "DATE", "月份"),
        Column("n_cases", "INTEGER", "案件数"),
        Column("n_signals", "INTEGER", "风险信号数"),
        Column("n_cases_with_signals", "INTEGER", "有信号案件数"),
        Column("risk_index", "DOUBLE", "风险指数"),
    ),
    metrics=(
        Metric("risk_index_avg", "AVG(risk_index)", "风险指数", ".2f"),
        Metric("signals_sum", "SUM(n_signals)", "风险信号数", ",d"),
        Metric("cases_sum", "SUM(n_cases)", "案件数", ",d"),
    ),
)

RISK_SIGNALS = Dataset(
    table="v_risk_signals",
    label="风险信号",
    sql=f"""SELECT s.case_id, c.province_code, c.unit_code, v.name_zh AS violation_name, s.signal_code,
    s.signal_name, s.legal_basis, s.weight, c.discovered_date AS {PERIOD}
FROM marts.case_risk_signals s
JOIN marts.fct_case_risk c ON c.case_id = s.case_id{_CASE_CONTEXT.format(alias="s")}""",
    columns=(
        CASE,
        PROVINCE,
        UNIT,
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
    sql=f"""SELECT c.case_id, c.province_code, c.unit_code, v.name_zh AS violation_name, c.n_signals,
    c.risk_score, c.signal_codes, c.discovered_date AS {PERIOD}
FROM marts.fct_case_risk c{_CASE_CONTEXT.format(alias="c")}""",
    columns=(
        CASE,
        PROVINCE,
        UNIT,
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
    RULE_RESULTS,
    REVIEWER_CALIBRATION,
    UNIT_RISK,
    RISK_SIGNALS,
    CASE_RISK,
)
