"""评查工作 (review operations): what waits in the pool, how long reviews take, how much sampling covers,
and how often a re-review disagrees with the first review by more than the rereview_score_gap setting."""

from __future__ import annotations

from dashboards import review_datasets as r
from dashboards.charts import bar, big_number, table
from dashboards.datasets import quantile_names
from dashboards.spec import PERIOD, Board

POOL_BACKLOG = f"mode IN ('pool', 'sample') AND {r.UNFINISHED}"

REVIEW = Board(
    slug="review-operations",
    title="评查工作",
    description="评查任务积压、领取到完成用时、各单位抽查覆盖率、复核分歧与每月评查量。",
    filter_dataset=r.HUMAN_REVIEWS,
    rows=(
        (
            big_number(
                "review_count", "人工评查次数", r.HUMAN_REVIEWS, "n_reviews", "一共完成了多少次人工评查？"
            ),
            big_number(
                "review_backlog_total",
                "积压评查任务数",
                r.REVIEW_TASKS,
                "n_backlog",
                "抢单池与抽查任务中，还有多少尚未完成（待领取或已领取未提交）？",
                where="mode IN ('pool', 'sample')",
            ),
            big_number(
                "review_disagreements",
                "复核分歧超过阈值次数",
                r.HUMAN_REVIEWS,
                "n_over_gap",
                "有多少次复核与前次评查的分差超过了分歧阈值（需仲裁）？",
            ),
            big_number(
                "review_disagreement_share",
                "复核分歧超过阈值占比",
                r.HUMAN_REVIEWS,
                "share_over_gap",
                "在可比的复核中，分差超过分歧阈值的比例是多少？",
            ),
        ),
        (
            bar(
                "review_backlog",
                "评查积压（按单位与等待时长）",
                r.REVIEW_TASKS,
                "哪些单位的案卷在抢单池或抽查任务中等待评查？已等待多久？",
                x="unit_path",
                metrics=["n_backlog"],
                series=["age_band"],
                stack=True,
                where=POOL_BACKLOG,
                horizontal=True,
            ),
            table(
                "review_durations",
                "领取到完成用时（按评查方式）",
                r.REVIEW_DURATIONS,
                "各评查方式从领取（开始）到提交要用多少小时？（分位数即箱线图的五个数）",
                columns=["mode_zh", "timing"],
                metrics=["n_timed", *quantile_names("hours")],
                order_by="n_timed",
                width=6,
            ),
        ),
        (
            bar(
                "review_coverage",
                "抽查覆盖率（按单位）",
                r.REVIEW_COVERAGE,
                "各单位已作出处罚决定的案件中，有多大比例被抽查评查过？",
                x="unit_path",
                metrics=["coverage_rate"],
                horizontal=True,
                value_format=".0%",
            ),
            table(
                "review_disagreement",
                "复核分歧（按单位）",
                r.HUMAN_REVIEWS,
                "复核与前次评查的分差分布如何？各单位有多少复核的分差超过了分歧阈值？",
                columns=["unit_path"],
                metrics=["n_compared", *quantile_names("gap"), "n_over_gap", "share_over_gap"],
                order_by="n_over_gap",
                where=r.COMPARED,
                width=6,
            ),
        ),
        (
            bar(
                "review_monthly",
                "每月评查次数（按评查方式）",
                r.HUMAN_REVIEWS,
                "每月完成多少次人工评查？抢单、抽查、复核、仲裁各占多少？",
                x=PERIOD,
                metrics=["n_reviews"],
                series=["mode_zh"],
                stack=True,
                limit=10000,
                width=12,
            ),
        ),
    ),
)
