"""The API's one door to the published warehouse snapshot (``serve/warehouse.duckdb``), read-only.

Every mart the API reads is listed in :data:`MARTS`; no other module of ``api/`` opens the snapshot
(``tests/api/test_api_layers.py`` holds that). The API never reads the build warehouse."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import cast

from api.core.errors import Conflict

# mart -> what the API uses it for
MARTS: dict[str, str] = {
    "marts.fct_case_risk": "risk_score per case: weights of risk-weighted sampling draws",
    "marts.fct_case_fines": "assessed fines of similar cases shown beside a deviation on the approval page",
    "marts.fct_reviewer_calibration": "lenient/harsh reviewers with intervals: the calibration page",
    "marts.fct_training_recommendations": "recommended courses with evidence: training page",
    "marts.fct_training_effect": "difference-in-differences per course: the training page's effect table",
    "marts.fct_scorecards": "monthly 执法考评 totals per officer and unit: the 我的考评 page",
    "marts.fct_scorecard_components": "each scorecard's points explained: the 我的考评 page",
}

CALIBRATION_COLUMNS = (
    "reviewer_id", "year", "n_reviews", "n_compared", "mean_score", "mean_offset", "offset_pooled",
    "offset_low", "offset_high", "agreement", "flagged", "direction", "offset_band",
)  # fmt: skip


def case_risk(snapshot: Path, case_ids: Sequence[str]) -> dict[str, float]:
    """``risk_score`` of each of ``case_ids`` the snapshot knows (``marts.fct_case_risk``); absent cases
    are left out."""
    import duckdb  # the snapshot's engine; only this reader needs it

    if not snapshot.exists():
        raise Conflict(
            "RISK_SNAPSHOT_MISSING",
            "尚无已发布的数据仓库快照，不能按风险加权抽样 / no published warehouse snapshot: "
            "cannot weight the draw by risk (run the pipeline, or draw unweighted)",
        )
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        con.execute("CREATE TEMP TABLE wanted (case_id VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?)", [(c,) for c in case_ids])
        rows = con.execute(
            "SELECT r.case_id, r.risk_score FROM marts.fct_case_risk r JOIN wanted USING (case_id)"
        ).fetchall()
    except duckdb.Error as exc:
        raise Conflict(
            "RISK_SNAPSHOT_UNREADABLE", f"快照缺少风险表 / snapshot lacks fct_case_risk: {exc}"
        ) from exc
    finally:
        con.close()
    return {str(c): float(s or 0) for c, s in rows}


FineRow = tuple[str, str, float, float, float, date]  # case, unit, amount, fine, rate, decided on
FINE_COLUMNS = ("case_id", "unit_code", "computed_amount", "fine_amount", "rate", "decided_on")


def similar_fines(
    snapshot: Path, province: str, violation_code: str, band: int, since: date, exclude_case: str
) -> list[FineRow] | None:
    """Assessed in-range fines of one province, violation and amount band decided since ``since``
    (``marts.fct_case_fines``), newest first; None when there is no readable snapshot (a snapshot being
    replaced, or of an older layout): the caller then answers from the store."""
    rows = _rows(
        snapshot,
        """SELECT case_id, unit_code, computed_amount, fine_amount, rate, cast(decided_at AS DATE)
           FROM marts.fct_case_fines
           WHERE fine_status = 'ok' AND province_code = ? AND violation_code = ? AND amount_band = ?
             AND cast(decided_at AS DATE) >= ? AND case_id <> ?
           ORDER BY decided_at DESC, case_id""",
        [province, violation_code, band, since, exclude_case],
        FINE_COLUMNS,
    )
    if rows is None:
        return None
    return [cast(FineRow, tuple(r[c] for c in FINE_COLUMNS)) for r in rows]


def reviewer_calibration(snapshot: Path, year: int | None) -> list[dict[str, object]] | None:
    """Rows of ``marts.fct_reviewer_calibration`` (all years, or one), newest year first; None when there is
    no readable snapshot."""
    where = "WHERE year = ?" if year is not None else ""
    return _rows(
        snapshot,
        f"SELECT {', '.join(CALIBRATION_COLUMNS)} FROM marts.fct_reviewer_calibration {where} "
        "ORDER BY year DESC, reviewer_id",
        [year] if year is not None else [],
        CALIBRATION_COLUMNS,
    )


SCORECARD_COLUMNS = (
    "level", "role", "person_id", "person_name", "unit_code", "unit_name", "month", "total_score",
    "n_components", "n_components_defined", "weight_covered",
)  # fmt: skip
COMPONENT_COLUMNS = (
    "role", "person_id", "unit_code", "month", "component", "name_zh", "description_zh", "n_basis",
    "raw_value", "direction", "worst", "best", "sub_score", "weight", "effective_weight", "contribution",
)  # fmt: skip
RECOMMENDATION_COLUMNS = (
    "level", "subject_id", "unit_code", "course_id", "course_title", "course_rank", "recommended",
    "need_points", "n_failed", "evidence", "example_case_ids", "window_start", "as_of", "completed_on",
)  # fmt: skip
EFFECT_COLUMNS = (
    "course_id", "course_title", "n_trained", "n_comparison", "pre_rate_trained", "post_rate_trained",
    "pre_rate_comparison", "post_rate_comparison", "estimate", "estimate_low", "estimate_high",
    "small_sample", "conclusion",
)  # fmt: skip


def _rows(
    snapshot: Path, sql: str, params: list[object], columns: Sequence[str]
) -> list[dict[str, object]] | None:
    """``sql``'s rows as dicts; None when there is no readable snapshot (absent, or of an older layout)."""
    import duckdb

    if not snapshot.exists():
        return None
    try:
        con = duckdb.connect(str(snapshot), read_only=True)
        try:
            rows = con.execute(sql, params).fetchall()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return [dict(zip(columns, row, strict=True)) for row in rows]


def training_recommendations(snapshot: Path, units: Sequence[str] | None) -> list[dict[str, object]] | None:
    """Recommended courses (``marts.fct_training_recommendations``, ``recommended`` rows) of officers and
    units in ``units`` (None = all), best first."""
    where = "recommended"
    params: list[object] = []
    if units is not None:
        where += f" AND unit_code IN ({', '.join('?' for _ in units) or 'NULL'})"
        params = list(units)
    sql = (
        f"SELECT {', '.join(RECOMMENDATION_COLUMNS)} FROM marts.fct_training_recommendations WHERE {where} "
        "ORDER BY level, unit_code, subject_id, course_rank"
    )
    return _rows(snapshot, sql, params, RECOMMENDATION_COLUMNS)


def training_effect(snapshot: Path) -> list[dict[str, object]] | None:
    """Every course's difference-in-differences (``marts.fct_training_effect``)."""
    sql = f"SELECT {', '.join(EFFECT_COLUMNS)} FROM marts.fct_training_effect ORDER BY course_id"
    return _rows(snapshot, sql, [], EFFECT_COLUMNS)


def scorecards(
    snapshot: Path, level: str, person_id: str | None, month: date | None, with_components: bool
) -> tuple[list[dict[str, object]], list[dict[str, object]]] | None:
    """(scorecards, their components) of ``marts.fct_scorecards`` at ``level`` (officer | unit), of one person
    and/or one month when given, newest month first; components only when asked. None when there is no
    readable snapshot (or one of a layout before the scorecards)."""
    where: list[str] = ["level = ?"]
    params: list[object] = [level]
    for column, value in (("person_id", person_id), ("month", month)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    cond = " AND ".join(where)
    cards = _rows(
        snapshot,
        f"SELECT {', '.join(SCORECARD_COLUMNS)} FROM marts.fct_scorecards WHERE {cond} "
        "ORDER BY month DESC, person_id, unit_code, role",
        params,
        SCORECARD_COLUMNS,
    )
    if cards is None or not with_components:
        return None if cards is None else (cards, [])
    parts = _rows(
        snapshot,
        f"SELECT {', '.join(COMPONENT_COLUMNS)} FROM marts.fct_scorecard_components WHERE {cond} "
        "ORDER BY role, component",
        params,
        COMPONENT_COLUMNS,
    )
    return None if parts is None else (cards, parts)
