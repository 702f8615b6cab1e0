"""The dashboards: their charts (each with the question it answers) and their layout.

评查工作 (review operations) lives in review_board.py, 执法考评 (assessment) in assessment.py.
"""

from __future__ import annotations

from dashboards import datasets as d
from dashboards.assessment import ASSESSMENT
from dashboards.charts import bar, big_number, heatmap, line, pie, table, treemap
from dashboards.licence_board import LICENSING
from dashboards.review_board import REVIEW
from dashboards.spec import PERIOD, Board, Chart

ASSESSED = "fine_status = 'ok'"

FINES = Board(
    slug="fine-consistency",
    title="罚款一致性",
    description="同类案件罚款是否一致：比例分布、单位与人员偏离、未经审批的偏离、超出法定幅度、相似案件差异。",
    filter_dataset=d.CASE_FINES,
    rows=(
        (
            big_number(
                "fines_assessed",
                "已评估案件数",
                d.CASE_FINES,
                "n_assessed",
                "有多少已作出处罚决定、且案值与档次可评估的案件？",
            ),
            big_number(
                "fines_out_of_range",
                "超出法定幅度案件数",
                d.CASE_FINES,
                "n_out_of_range",
                "有多少案件的罚款超出了法律规定的幅度？",
            ),
            big_number(
                "fines_unapproved",
                "未经审批的偏离",
                d.CASE_FINES,
                "n_dev_unapproved",
                "有多少案件罚款比例超出基准档次却没有经过审批？",
            ),
            big_number(
                "fines_flagged_units",
                "偏离突出的单位（单位·年度）",
                d.UNIT_CONSISTENCY,
                "n_flagged",
                "有多少单位·年度的罚款系统性地偏重或偏轻（区间整体落在合理范围之外）？",
            ),
        ),
        (
            table(
                "fines_rate_distribution",
                "罚款比例分布（按违法类型与档次）",
                d.CASE_FINES,
                "同一违法类型、同一档次内，各案件罚款比例分布有多宽？（分位数按所选范围内的全部案件计算）",
                columns=["violation_tier", "tier_label"],
                metrics=["n_assessed", *d.quantile_names("rate"), "rate_min", "rate_max"],
                order_by="n_assessed",
                where=ASSESSED,
            ),
        ),
        (
            table(
                "fines_unit_ranking",
                "单位偏离效应排名（含区间）",
                d.UNIT_CONSISTENCY,
                "哪些单位与可比案件相比罚得偏重或偏轻？区间是否排除了合理范围（标记“突出”）？",
                columns=["unit_path", "year", "flag_label", "direction_zh"],
                metrics=["effect_max", "effect_low_max", "effect_high_max", "cases_sum"],
                order_by="effect_max",
                width=6,
            ),
            table(
                "fines_officer_ranking",
                "执法人员偏离效应排名（含区间）",
                d.OFFICER_CONSISTENCY,
                "同一单位内，哪些主办人员的罚款与同事相比系统性偏重或偏轻？",
                columns=["officer_id", "unit_path", "year", "flag_label", "direction_zh", "assessment"],
                metrics=["effect_max", "effect_low_max", "effect_high_max", "prob_max", "q_min", "cases_sum"],
                order_by="effect_max",
                width=6,
            ),
        ),
        (
            bar(
                "fines_unit_effect",
                "单位偏离效应（突出者着色）",
                d.UNIT_CONSISTENCY,
                "各单位偏离效应的大小与方向；被标记为突出的单位以不同颜色显示。",
                x="unit_path",
                metrics=["effect_max"],
                series=["flag_label"],
                stack=True,
                width=6,
            ),
            bar(
                "fines_deviation_trend",
                "偏离基准：经审批与未经审批（按月）",
                d.CASE_FINES,
                "每月有多少案件偏离基准档次？其中多少没有经过审批？",
                x=PERIOD,
                metrics=["n_dev_approved", "n_dev_unapproved"],
                stack=True,
                limit=10000,
                width=6,
            ),
        ),
        (
            table(
                "fines_out_of_range_cases",
                "超出法定幅度的案件",
                d.CASE_FINES,
                "哪些案件的罚款低于法定最低额或高于法定最高额？",
                columns=[
                    "case_id",
                    "unit_path",
                    "violation_name",
                    "fine_amount",
                    "statutory_min_amount",
                    "statutory_max_amount",
                    "rate",
                ],
                order_by="fine_amount",
                where="in_statutory_range = false",
            ),
        ),
        (
            table(
                "fines_similar_pairs",
                "相似案件、不同罚款（明细）",
                d.SIMILAR_PAIRS,
                "同一违法类型、同一档次、案值相近的两起案件，罚款比例相差多少？",
                columns=[
                    "case_a",
                    "case_b",
                    "unit_path",
                    "unit_path_b",
                    "violation_name",
                    "tier",
                    "amount_a",
                    "amount_b",
                    "rate_a",
                    "rate_b",
                    "rate_gap",
                ],
                order_by="rate_gap",
            ),
        ),
    ),
)

HUMAN_REVIEWED = "human_grade IS NOT NULL"

QUALITY = Board(
    slug="dossier-quality",
    title="案卷质量",
    description="案卷评查得分与等级、失分规则、一票否决、机审与人工一致性、评查人员宽严。",
    filter_dataset=d.DOSSIER_QUALITY,
    rows=(
        (
            big_number("quality_dossiers", "案卷数", d.DOSSIER_QUALITY, "n_dossiers", "评查覆盖了多少案卷？"),
            big_number(
                "quality_avg_score",
                "平均得分",
                d.DOSSIER_QUALITY,
                "avg_final_score",
                "案卷最终得分（人工评查优先，否则机审）的平均值是多少？",
            ),
            big_number(
                "quality_veto", "一票否决案卷数", d.DOSSIER_QUALITY, "n_veto", "有多少案卷触发了一票否决项？"
            ),
            big_number(
                "quality_agreement",
                "机审与人工等级一致率",
                d.DOSSIER_QUALITY,
                "agreement_rate",
                "在人工评查过的案卷中，机审等级与人工等级相同的比例是多少？",
            ),
        ),
        (
            table(
                "quality_score_by_unit",
                "各单位案卷得分分布",
                d.DOSSIER_QUALITY,
                "各单位案卷得分的分布如何？哪些单位整体偏低（按中位数升序）？",
                columns=["unit_path"],
                metrics=["n_dossiers", *d.quantile_names("score")],
                order_by="score_p50",
                ascending=True,
                width=6,
            ),
            bar(
                "quality_grade_by_unit",
                "各单位等级分布",
                d.DOSSIER_QUALITY,
                "各单位优秀、合格、不合格案卷各有多少？",
                x="unit_path",
                metrics=["n_dossiers"],
                series=["final_grade"],
                stack=True,
                width=6,
            ),
        ),
        (
            bar(
                "quality_top_rules",
                "失分最多的评查规则",
                d.RULE_FAILURES,
                "哪些评查规则最常不通过？（前15条）",
                x="rule_name",
                metrics=["n_failed"],
                limit=15,
                horizontal=True,
            ),
            pie(
                "quality_failed_categories",
                "失分类别构成",
                d.RULE_FAILURES,
                "不通过的规则集中在哪些类别（形式、程序、证据……）？",
                group="category_zh",
                metric="n_failed",
            ),
        ),
        (
            table(
                "quality_veto_cases",
                "一票否决案卷",
                d.RULE_FAILURES,
                "哪些案卷因哪条否决项被判为不合格？",
                columns=["case_id", "unit_path", "violation_name", "rule_name", "category_zh"],
                order_by="case_id",
                ascending=True,
                where="veto",
                width=6,
            ),
            heatmap(
                "quality_machine_vs_human",
                "机审等级与人工等级对照",
                d.DOSSIER_QUALITY,
                "机审给出的等级与人工评查的等级在哪些组合上不一致？",
                x="machine_grade",
                y="human_grade",
                metric="n_dossiers",
                where=HUMAN_REVIEWED,
                width=6,
            ),
        ),
        (
            table(
                "quality_reviewer_calibration",
                "评查人员校准（偏宽／偏严）",
                d.REVIEWER_CALIBRATION,
                "哪些评查人员给分系统性地比同案其他评查人员偏宽或偏严？",
                columns=["reviewer_id", "year", "direction_zh"],
                metrics=["offset_max", "offset_low_max", "offset_high_max", "agreement_max", "reviews_sum"],
                order_by="offset_max",
            ),
        ),
    ),
)

RISK = Board(
    slug="enforcement-risk",
    title="执法风险",
    description="各单位各月的风险指数、风险信号类型及法律依据、风险最高的案件与趋势。",
    filter_dataset=d.CASE_RISK,
    rows=(
        (
            big_number(
                "risk_cases",
                "有风险信号的案件数",
                d.CASE_RISK,
                "n_risky",
                "有多少案件至少触发了一个执法风险信号？",
            ),
            big_number(
                "risk_signals", "风险信号总数", d.RISK_SIGNALS, "n_signals", "一共触发了多少个风险信号？"
            ),
        ),
        (
            heatmap(
                "risk_unit_month",
                "风险指数：风险最高的 50 个地市 × 月份（按单位树排列）",
                d.UNIT_RISK,
                "哪些地市（含所辖县级局）在哪些月份风险指数偏高？列出所选期间风险指数最高的 50 个地市，"
                "行按“省 › 市”排列；选定省级局可看其下各市。",
                y="city_path",
                metric="risk_index_avg",
                limit=50_000,
                top=50,
            ),
        ),
        (
            treemap(
                "risk_unit_tree",
                "风险信号分布：单位树（省 › 市 › 县）",
                d.UNIT_RISK,
                "风险信号集中在哪些省、市、县级局？面积为风险信号数，可逐级点开。",
                levels=["province_short", "city_short", "unit_short"],
                metric="signals_sum",
            ),
        ),
        (
            bar(
                "risk_signal_types",
                "风险信号类型",
                d.RISK_SIGNALS,
                "哪类风险信号出现最多？",
                x="signal_name",
                metrics=["n_signals"],
                horizontal=True,
                width=6,
            ),
            table(
                "risk_signal_legal_basis",
                "风险信号及法律依据",
                d.RISK_SIGNALS,
                "每类风险信号依据哪条法律规定？涉及多少案件？",
                columns=["signal_name", "legal_basis"],
                metrics=["n_signals", "n_cases"],
                order_by="n_signals",
                width=6,
            ),
        ),
        (
            table(
                "risk_worst_cases",
                "风险最高的案件",
                d.CASE_RISK,
                "哪些案件风险分最高、触发了哪些信号？（前50件）",
                columns=[
                    "case_id",
                    "unit_path",
                    "violation_name",
                    PERIOD,
                    "n_signals",
                    "risk_score",
                    "signal_codes",
                ],
                order_by="risk_score",
                limit=50,
                width=12,
            ),
        ),
        (
            line(
                "risk_trend",
                "风险趋势（按月）",
                d.UNIT_RISK,
                "风险信号数与风险指数随时间如何变化？",
                metrics=["signals_sum", "risk_index_avg"],
                width=12,
            ),
        ),
    ),
)

BOARDS = (FINES, QUALITY, RISK, REVIEW, ASSESSMENT, LICENSING)


def all_charts() -> list[Chart]:
    return [c for b in BOARDS for c in b.charts]
