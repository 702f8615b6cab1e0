"""执法考评 (enforcement assessment, issue #19 §3): monthly scorecards of handlers, approvers, legal reviewers
and case reviewers and of their units (marts.fct_scorecards), and each component's points
(marts.fct_scorecard_components), and the effect of training per unit subtree and course
(marts.fct_training_effect_units: a row per unit computed from that unit's officers only, so the unit RLS
filter bounds it like every other dataset). Scorecards are not per violation type: the board has no
violation filter. Officers appear by name and id (staff data, as on the fine-consistency board); no party
data."""

from __future__ import annotations

from dashboards.charts import bar, big_number, line, table
from dashboards.datasets import NAMES, PERIOD_DATE, _count, _names
from dashboards.spec import PERIOD, Board, Column, Dataset, Metric
from zhifa.dashboard_links import OFFICER_COLUMN

ROLE_ZH = (
    "CASE {0}.role WHEN 'handler' THEN '办案人员' WHEN 'approver' THEN '审批人' "
    "WHEN 'legal_reviewer' THEN '法制审核人员' WHEN 'case_reviewer' THEN '评查人员' ELSE {0}.role END"
)
OFFICERS = "level = 'officer'"
UNITS = "level = 'unit'"
_COMMON = (
    Column("level", "VARCHAR", "层级（officer 人员／unit 单位）"),
    Column("role", "VARCHAR", "角色代码"),
    Column("role_zh", "VARCHAR", "角色"),
    # the mart's person_id under the officer filter's column name (zhifa.dashboard_links.OFFICER_COLUMN)
    Column(OFFICER_COLUMN, "VARCHAR", "人员编号"),
    *NAMES,
)

SCORECARDS = Dataset(
    table="v_scorecards",
    label="执法考评",
    sql=f"""SELECT s.level, s.role, {ROLE_ZH.format("s")} AS role_zh, s.person_id AS {OFFICER_COLUMN},
    s.person_name, s.province_code, s.province_name, s.unit_code, s.unit_path, s.total_score,
    s.n_components, s.weight_covered, s.month AS {PERIOD}
FROM marts.fct_scorecards s""",
    columns=(
        *_COMMON,
        Column("person_name", "VARCHAR", "人员"),
        Column("total_score", "DOUBLE", "考评得分", fmt=".1f"),
        Column("n_components", "INTEGER", "有数据的指标数"),
        Column("weight_covered", "DOUBLE", "有数据的权重合计", fmt=".0f"),
        PERIOD_DATE,
    ),
    metrics=(
        _count("n_cards", "考评数（人·月）"),
        _count("n_low", "低于60分（人·月）", "total_score < 60"),
        Metric("mean_total", "AVG(total_score)", "平均考评得分", ".1f"),
    ),
)

COMPONENTS = Dataset(
    table="v_scorecard_components",
    label="考评指标得分",
    sql=f"""SELECT c.level, c.role, {ROLE_ZH.format("c")} AS role_zh, c.person_id AS {OFFICER_COLUMN},
    c.province_code, c.province_name, c.unit_code, c.unit_path, c.component,
    c.name_zh AS component_zh, c.n_basis, c.raw_value, c.sub_score, c.weight, c.effective_weight,
    c.contribution, c.month AS {PERIOD}
FROM marts.fct_scorecard_components c""",
    columns=(
        *_COMMON,
        Column("component", "VARCHAR", "指标代码"),
        Column("component_zh", "VARCHAR", "指标"),
        Column("n_basis", "INTEGER", "依据数"),
        Column("raw_value", "DOUBLE", "原始值", fmt=".3f"),
        Column("sub_score", "DOUBLE", "指标得分", fmt=".1f"),
        Column("weight", "DOUBLE", "权重", fmt=".0f"),
        Column("effective_weight", "DOUBLE", "实际权重", fmt=".1f"),
        Column("contribution", "DOUBLE", "计入总分", fmt=".2f"),
        PERIOD_DATE,
    ),
    metrics=(
        _count("n_parts", "考评数（人·月）"),
        Metric("mean_raw", "AVG(raw_value)", "平均原始值", ".3f"),
        Metric("mean_sub", "AVG(sub_score)", "平均指标得分", ".1f"),
        Metric("mean_contribution", "AVG(contribution)", "平均计入总分", ".2f"),
        Metric("weight_max", "MAX(weight)", "权重", ".0f"),
    ),
)

_RATE = ".1%"
_POINTS = "+.1%"  # differences of rates: percentage points with their sign
TRAINING_EFFECT = Dataset(
    table="v_training_effect",
    label="培训效果",
    sql=f"""SELECT e.unit_code, u.province_code, u.province_name, u.path AS unit_path, u.depth AS unit_depth,
    e.course_id, e.course_title, e.n_trained, e.n_comparison, e.pre_rate_trained, e.post_rate_trained,
    e.pre_rate_comparison, e.post_rate_comparison, e.estimate, e.estimate_low, e.estimate_high,
    e.small_sample, e.conclusion, e.evidence AS caveat, e.period AS {PERIOD}
FROM marts.fct_training_effect_units e{_names("e")}""",
    columns=(
        *NAMES,
        Column("unit_depth", "INTEGER", "单位层级（0 省／1 市／2 县）"),
        Column("course_id", "VARCHAR", "课程编号"),
        Column("course_title", "VARCHAR", "培训课程"),
        Column("n_trained", "INTEGER", "培训组人数"),
        Column("n_comparison", "INTEGER", "对照组人数"),
        Column("pre_rate_trained", "DOUBLE", "培训组培训前扣分率", fmt=_RATE),
        Column("post_rate_trained", "DOUBLE", "培训组培训后扣分率", fmt=_RATE),
        Column("pre_rate_comparison", "DOUBLE", "对照组前扣分率", fmt=_RATE),
        Column("post_rate_comparison", "DOUBLE", "对照组后扣分率", fmt=_RATE),
        Column("estimate", "DOUBLE", "培训效果（双重差分）", fmt=_POINTS),
        Column("estimate_low", "DOUBLE", "区间下限（95%）", fmt=_POINTS),
        Column("estimate_high", "DOUBLE", "区间上限（95%）", fmt=_POINTS),
        Column("small_sample", "BOOLEAN", "样本过小"),
        Column("conclusion", "VARCHAR", "结论"),
        # the mart's evidence, renamed: no dataset column may say "evidence" (test_no_personal_data…)
        Column("caveat", "VARCHAR", "证据强度"),
        Column(PERIOD, "DATE", "培训完成日（中位）"),
    ),
    metrics=(_count("n_effects", "单位·课程数"),),
)

ASSESSMENT_DATASETS = (SCORECARDS, COMPONENTS, TRAINING_EFFECT)

ASSESSMENT = Board(
    slug="enforcement-assessment",
    title="执法考评",
    description="办案人员、审批人、法制审核人员、评查人员及各单位的月度考评：总分、各项指标得分与权重、低分人员与趋势。",
    filter_dataset=SCORECARDS,
    rows=(
        (
            big_number(
                "assess_cards", "人员考评数（人·月）", SCORECARDS, "n_cards", "有多少人·月的考评？", OFFICERS
            ),
            big_number(
                "assess_mean",
                "人员平均考评得分",
                SCORECARDS,
                "mean_total",
                "人员月度考评的平均得分是多少？",
                OFFICERS,
            ),
            big_number(
                "assess_unit_mean",
                "单位平均考评得分",
                SCORECARDS,
                "mean_total",
                "各单位（按角色汇总）月度考评的平均得分是多少？",
                UNITS,
            ),
            big_number(
                "assess_low",
                "低于60分的人·月",
                SCORECARDS,
                "n_low",
                "有多少人·月的考评得分低于60分？",
                OFFICERS,
            ),
        ),
        (
            bar(
                "assess_units",
                "各单位考评得分（按角色）",
                SCORECARDS,
                "各单位按角色汇总的月度考评平均得分如何？哪些单位偏低？",
                x="unit_path",
                metrics=["mean_total"],
                series=["role_zh"],
                where=UNITS,
                horizontal=True,
            ),
            table(
                "assess_components",
                "各项指标得分（按角色）",
                COMPONENTS,
                "每个角色的各项指标平均原始值、指标得分和计入总分各是多少？失分主要在哪一项？",
                columns=["role_zh", "component_zh"],
                metrics=["weight_max", "n_parts", "mean_raw", "mean_sub", "mean_contribution"],
                order_by="n_parts",
                where=OFFICERS,
                width=6,
            ),
        ),
        (
            line(
                "assess_monthly",
                "每月人员平均考评得分（按角色）",
                SCORECARDS,
                "各角色人员的月度平均考评得分如何变化？",
                metrics=["mean_total"],
                series=["role_zh"],
                where=OFFICERS,
            ),
            table(
                "assess_lowest",
                "考评得分最低的人员（人·月）",
                SCORECARDS,
                "哪些人员在哪个月、以什么角色得分最低？（点开“我的考评”可看每一分的来历）",
                columns=[
                    "person_name",
                    OFFICER_COLUMN,
                    "role_zh",
                    "unit_path",
                    PERIOD,
                    "total_score",
                    "n_components",
                ],
                order_by="total_score",
                ascending=True,
                limit=50,
                where=OFFICERS,
                width=6,
            ),
        ),
        (
            table(
                "assess_training_effect",
                "培训效果：培训前后扣分率的双重差分（按单位·课程）",
                TRAINING_EFFECT,
                "培训后，受训人员在课程所涉评查规则上的扣分率，比培训前扣分率相近的未受训人员多降了多少？"
                "（负数为相对下降；观察性比较，非因果证明；样本过小的仅供参考）",
                columns=[
                    "unit_path",
                    "course_title",
                    "n_trained",
                    "n_comparison",
                    "pre_rate_trained",
                    "post_rate_trained",
                    "pre_rate_comparison",
                    "post_rate_comparison",
                    "estimate",
                    "estimate_low",
                    "estimate_high",
                    "conclusion",
                    "caveat",
                ],
                order_by="unit_path",
                ascending=True,
                limit=500,
            ),
        ),
    ),
)
