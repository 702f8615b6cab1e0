"""Datasets of the 许可 (licensing) dashboard: workload and time to decision, refusals by rule, retailer
density against the minimum distance, and the licensing signals — each with unit_code (RLS) and the filter
columns (province_name, unit_path, period; violation_name where a case is the subject).

No personal data: licences appear by pseudonym, applications by id; the marts hold nothing else.
"""

from __future__ import annotations

from dashboards.datasets import NAMES, PERIOD_DATE, VIOLATION, _count, _names
from dashboards.spec import PERIOD, Column, Dataset, Metric

KIND_ZH = (
    "CASE {0}.application_kind WHEN 'new' THEN '新办' WHEN 'renewal' THEN '延续' WHEN 'change' THEN '变更' "
    "WHEN 'suspension' THEN '停业' WHEN 'cancellation' THEN '歇业' WHEN 'replacement' THEN '补办' "
    "ELSE {0}.application_kind END"
)


def _sum(name: str, column: str, label: str) -> Metric:
    return Metric(name, f"SUM({column})", label, ",d")


LICENCE_WORKLOAD = Dataset(
    table="v_licensing_workload",
    label="许可办理量",
    sql=f"""SELECT w.province_code, u.province_name, w.unit_code, u.path AS unit_path,
    {KIND_ZH.format("w")} AS kind_zh, w.applications, w.accepted, w.decided, w.approved, w.refused, w.open,
    w.past_legal_time, w.avg_working_days_to_decision, w.median_working_days_to_decision,
    w.received_month AS {PERIOD}
FROM marts.fct_licensing_workload w{_names("w")}""",
    columns=(
        *NAMES,
        Column("kind_zh", "VARCHAR", "申请类型"),
        Column("applications", "INTEGER", "申请数"),
        Column("accepted", "INTEGER", "受理数"),
        Column("decided", "INTEGER", "已决定"),
        Column("approved", "INTEGER", "准予许可"),
        Column("refused", "INTEGER", "不予许可"),
        Column("open", "INTEGER", "办理中"),
        Column("past_legal_time", "INTEGER", "超过法定期限"),
        Column("avg_working_days_to_decision", "DOUBLE", "平均办理用时（工作日）", fmt=".1f"),
        Column("median_working_days_to_decision", "DOUBLE", "办理用时中位数（工作日）", fmt=".1f"),
        Column(PERIOD, "DATE", "收件月份"),
    ),
    metrics=(
        _sum("n_applications", "applications", "申请数"),
        _sum("n_decided", "decided", "已决定"),
        _sum("n_refused", "refused", "不予许可"),
        _sum("n_open", "open", "办理中"),
        _sum("n_past_legal_time", "past_legal_time", "超过法定期限"),
        # re-weighted by decisions when months or kinds roll up
        Metric(
            "working_days_to_decision",
            "SUM(avg_working_days_to_decision * decided) / NULLIF(SUM(decided), 0)",
            "平均办理用时（工作日）",
            ".1f",
        ),
        Metric(
            "share_past_legal_time", "SUM(past_legal_time) * 1.0 / NULLIF(SUM(decided), 0)", "超期占比", ".1%"
        ),
    ),
)

LICENCE_REFUSALS = Dataset(
    table="v_licence_refusals",
    label="不予许可（按规则）",
    sql=f"""SELECT r.province_code, u.province_name, r.unit_code, u.path AS unit_path, r.refusal_rule,
    r.refusals, r.decided_month AS {PERIOD}
FROM marts.fct_licence_refusals r{_names("r")}""",
    columns=(
        *NAMES,
        Column("refusal_rule", "VARCHAR", "不予许可依据"),
        Column("refusals", "INTEGER", "不予许可数"),
        Column(PERIOD, "DATE", "决定月份"),
    ),
    metrics=(_sum("n_refusals", "refusals", "不予许可数"),),
)

RETAILER_DENSITY = Dataset(
    table="v_retailer_density",
    label="零售户布局",
    sql=f"""SELECT d.province_code, u.province_name, d.unit_code, u.path AS unit_path, d.retailers_held,
    d.retailers_with_position, d.min_distance_m, d.retailers_closer_than_min, d.share_closer_than_min,
    d.median_nearest_within_100m, d.max_count, d.max_count_distance_m, d.retailers_at_max_count,
    d.share_at_max_count, d.data_as_of AS {PERIOD}
FROM marts.fct_retailer_density d{_names("d")}""",
    columns=(
        *NAMES,
        Column("retailers_held", "INTEGER", "持证零售户数"),
        Column("retailers_with_position", "INTEGER", "有坐标的零售户数"),
        Column("min_distance_m", "DOUBLE", "最小间距（米）"),
        Column("retailers_closer_than_min", "INTEGER", "间距不足的零售户数"),
        Column("share_closer_than_min", "DOUBLE", "间距不足占比", fmt=".1%"),
        Column("median_nearest_within_100m", "DOUBLE", "100米内最近零售户距离中位数（米）", fmt=".0f"),
        Column("max_count", "INTEGER", "范围内零售户数量上限（家）"),
        Column("max_count_distance_m", "DOUBLE", "数量上限的范围（米）"),
        Column("retailers_at_max_count", "INTEGER", "周边已达数量上限的零售户数"),
        Column("share_at_max_count", "DOUBLE", "已达数量上限占比", fmt=".1%"),
        PERIOD_DATE,
    ),
    metrics=(
        _sum("n_retailers", "retailers_held", "持证零售户数"),
        _sum("n_too_close", "retailers_closer_than_min", "间距不足的零售户数"),
        _sum("n_at_max_count", "retailers_at_max_count", "周边已达数量上限的零售户数"),
        Metric(
            "share_too_close",
            "SUM(retailers_closer_than_min) * 1.0 / NULLIF(SUM(retailers_held), 0)",
            "间距不足占比",
            ".1%",
        ),
    ),
)

LICENCE_SIGNALS = Dataset(
    table="v_licence_signals",
    label="许可风险信号",
    sql=f"""SELECT s.province_code, u.province_name, s.unit_code, u.path AS unit_path, s.violation_name,
    s.signal_code, s.signal_name, s.legal_basis, s.subject_kind, s.subject_id, s.detail,
    s.signal_date AS {PERIOD}
FROM marts.fct_licence_signals s{_names("s")}""",
    columns=(
        *NAMES,
        VIOLATION,
        Column("signal_code", "VARCHAR", "信号代码"),
        Column("signal_name", "VARCHAR", "风险信号"),
        Column("legal_basis", "VARCHAR", "法律依据"),
        Column("subject_kind", "VARCHAR", "对象类型"),
        Column("subject_id", "VARCHAR", "对象编号"),
        Column("detail", "VARCHAR", "情况"),
        Column(PERIOD, "DATE", "日期"),
    ),
    metrics=(
        _count("n_signals", "信号数"),
        _count("n_decision_late", "许可决定超期", "signal_code = 'LICENCE_DECISION_LATE'"),
    ),
)

LICENCE_DATASETS = (LICENCE_WORKLOAD, LICENCE_REFUSALS, RETAILER_DENSITY, LICENCE_SIGNALS)
