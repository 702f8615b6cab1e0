"""许可 (licensing): how many applications each unit handles and how fast, which layout rules refuse them,
how dense retailers stand against the minimum distance, and the licensing signals with their legal basis."""

from __future__ import annotations

from dashboards import licence_datasets as lic
from dashboards.charts import bar, big_number, table
from dashboards.spec import Board

LICENSING = Board(
    slug="licensing",
    title="许可",
    description="许可办理量与办理用时、不予许可依据、零售户布局密度、许可风险信号（超期决定、到期未延续、喷码追溯至已注销许可证）。",
    filter_dataset=lic.LICENCE_SIGNALS,
    rows=(
        (
            big_number(
                "licensing_applications",
                "许可申请数",
                lic.LICENCE_WORKLOAD,
                "n_applications",
                "一共收到多少件许可申请？",
            ),
            big_number(
                "licensing_days_to_decision",
                "平均办理用时（工作日）",
                lic.LICENCE_WORKLOAD,
                "working_days_to_decision",
                "从受理到作出决定平均用了多少个工作日？",
            ),
            big_number(
                "licensing_past_legal_time",
                "超过法定期限",
                lic.LICENCE_WORKLOAD,
                "n_past_legal_time",
                "有多少件申请超过法定期限才决定，或至今超期未决？",
            ),
            big_number(
                "licensing_signals",
                "许可风险信号",
                lic.LICENCE_SIGNALS,
                "n_signals",
                "许可相关的风险信号共有多少条？",
            ),
        ),
        (
            bar(
                "licensing_workload",
                "许可办理量（按单位与申请类型）",
                lic.LICENCE_WORKLOAD,
                "各单位收到多少件许可申请？新办、延续、变更等各占多少？",
                x="unit_path",
                metrics=["n_applications"],
                series=["kind_zh"],
                stack=True,
                horizontal=True,
            ),
            table(
                "licensing_time_to_decision",
                "办理用时与超期（按单位）",
                lic.LICENCE_WORKLOAD,
                "各单位从受理到决定平均用多少个工作日？多少件超过法定期限？",
                columns=["unit_path"],
                metrics=[
                    "n_decided",
                    "working_days_to_decision",
                    "n_past_legal_time",
                    "share_past_legal_time",
                ],
                order_by="n_past_legal_time",
                width=6,
            ),
        ),
        (
            bar(
                "licensing_refusals",
                "不予许可（按依据）",
                lic.LICENCE_REFUSALS,
                "不予许可的申请依据哪些布局规则被拒？",
                x="refusal_rule",
                metrics=["n_refusals"],
                width=6,
            ),
            bar(
                "licensing_density",
                "零售户布局密度（按区划）",
                lic.RETAILER_DENSITY,
                "各区划有多少持证零售户？按所在市现行布局规则，多少家与最近零售户的距离低于最小间距、"
                "多少家周边零售户已达数量上限？",
                x="unit_path",
                metrics=["n_retailers", "n_too_close", "n_at_max_count"],
                horizontal=True,
                width=6,
            ),
        ),
        (
            table(
                "licensing_signal_list",
                "许可风险信号明细",
                lic.LICENCE_SIGNALS,
                "哪些申请、许可证和案件触发了许可风险信号？依据是什么？",
                columns=["unit_path", "signal_name", "subject_kind", "subject_id", "detail", "legal_basis"],
                metrics=[],
                order_by="signal_name",
                ascending=True,
                width=12,
            ),
        ),
    ),
)
