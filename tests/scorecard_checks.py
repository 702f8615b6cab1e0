"""执法考评 checks on the warehouse test_metrics builds (one dbt build serves both).

``add_moved_officer`` plants, before the build, an officer who decides cases in a second unit in a month
he also decides cases in his own; ``recompute`` is the independent truth the acceptance test holds the
scorecard marts to: each component's raw value written here from the marts and staging (not the seed's
SQL), scaled and weighted in Python from the seed's weights and scales.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from zhifa.reference import read_seed
from zhifa.scorecard import COMPONENTS_SEED, ScorecardComponentsError, check_components

# the time-limit signals of the timeliness component (the seed names them in its raw_expr)
DEADLINE_SIGNALS = (
    "FILING_LATE",
    "PRESERVATION_HANDLING_LATE",
    "DECISION_OVERDUE",
    "SERVICE_LATE",
    "PUBLICATION_LATE",
    "PUBLICATION_MISSING",
    "VIDEO_UPLOAD_LATE",
)


@dataclass(frozen=True)
class MovedOfficer:
    officer_id: str
    home_unit: str
    new_unit: str
    month: str  # YYYY-MM-01


def add_moved_officer(con: duckdb.DuckDBPyConnection) -> MovedOfficer:
    """Two cases decided in another unit by a lead officer, in a month he decided a case at home. No goods
    lines: the cases stay out of the fine marts (reason NO_ITEMS), so no disparity figure moves."""
    officer, home, decided = con.execute(
        "select o.officer_id, c.unit_code, c.decided_at from raw.cases c "
        "join raw.case_officers o using (case_id) where o.role = 'lead' and c.decided_at is not null "
        "order by c.case_id limit 1"
    ).fetchall()[0]
    new_unit = con.execute(
        "select min(unit_code) from raw.cases where unit_code <> ? and unit_code is not null", [home]
    ).fetchall()[0][0]
    for n in (1, 2):
        case_id = f"C{new_unit}2099MOVE{n}"
        con.execute(
            "insert into raw.cases (case_id, unit_code, violation_code, discovered_at, filed_at, status, "
            "decided_at, fine_amount, illegal_amount, prior_offences_3y) values "
            "(?, ?, 'NON_DESIGNATED_SOURCE', ?::timestamptz - interval 3 day, "
            "?::timestamptz - interval 2 day, 'decided', ?::timestamptz, "
            "500.0, 1000.0, 0)",
            [case_id, new_unit, decided, decided, decided],
        )
        con.execute(
            "insert into raw.case_officers (case_id, officer_id, role) values (?, ?, 'lead')",
            [case_id, officer],
        )
    month = con.execute(
        "select strftime(date_trunc('month', (?::timestamptz at time zone 'Asia/Shanghai')), '%Y-%m-01')",
        [decided],
    ).fetchall()[0][0]
    return MovedOfficer(officer, home, new_unit, month)


_DEADLINES = ", ".join(f"'{s}'" for s in DEADLINE_SIGNALS)

# one row per (officer, unit, month, component) and per (unit, month, component): the raw values
RAW_SQL = f"""
with handled as (
    select o.officer_id as person, c.unit_code as unit, date_trunc('month', c.decided_date)::date as month,
           q.final_score,
           not exists (select 1 from marts.fct_case_risk_signals s
                       where s.case_id = c.case_id and s.signal_code in ({_DEADLINES})) as on_time,
           d.flagged
    from staging.stg_cases c
    join staging.stg_case_officers o on o.case_id = c.case_id
    left join marts.fct_dossier_quality q on q.case_id = c.case_id
    left join marts.fct_officer_fine_consistency d
           on d.officer_id = o.officer_id and d.unit_code = c.unit_code and d.year = year(c.decided_date)
    where c.decided_date is not null and c.unit_code is not null
),
decisions as (
    select case when a.kind = 'legal_review' then 'legal_reviewer' else 'approver' end as role,
           a.decided_by as person, c.unit_code as unit,
           date_trunc('month', (a.decided_at at time zone 'Asia/Shanghai'))::date as month, a.kind,
           a.outcome = 'approved' as ok,
           coalesce(trim(a.reason), '') <> '' as reasoned,
           date_diff('second', a.requested_at, a.decided_at) / 3600.0 as hours,
           q.final_source = 'human' as human, q.final_grade = '不合格' as failed,
           f.in_tier = false as outside,
           exists (select 1 from raw.approvals d
                   where d.case_id = a.case_id and d.kind = 'discretion_deviation'
                   and d.outcome = 'approved' and coalesce(trim(d.reason), '') <> '') as deviation_reasoned
    from raw.approvals a
    join staging.stg_cases c on c.case_id = a.case_id
    left join marts.fct_dossier_quality q on q.case_id = a.case_id
    left join marts.fct_case_fines f on f.case_id = a.case_id
    where a.decided_by is not null and a.decided_at is not null and c.unit_code is not null
),
reviews as (
    select h.reviewer_id as person, o.unit_code as unit, date_trunc('month', h.review_date)::date as month,
           h.review_hours,
           h.total_score - (select avg(x.total_score) from marts.fct_human_reviews x
                            where x.case_id = h.case_id and x.review_id <> h.review_id) as offset_points,
           s.reviewer_offset_band as band,
           (select bool_or(not coalesce(k.over_gap, false)) from marts.fct_human_reviews k
            where k.parent_review_id = h.review_id and k.mode = 're_review') as rereview_agrees,
           (select arg_max(a.total_score, a.submitted_at) from marts.fct_human_reviews a
            where a.case_id = h.case_id and a.mode = 'arbitration') as arbitration_score,
           h.total_score, h.gap_threshold
    from marts.fct_human_reviews h
    join staging.stg_officers o on o.officer_id = h.reviewer_id
    left join intermediate.int_case_settings s on s.case_id = h.case_id
    where h.mode <> 'arbitration' and h.review_date is not null
),
rectified as (
    select unnest(officer_ids) as person, unit_code as unit,
           date_trunc('month', if(status = 'closed', closed_date, due_date))::date as month, overdue
    from marts.fct_rectifications
    where unit_code is not null and (status = 'closed' or overdue)
),
trained as (
    select officer_id as person, unit_code as unit, date_trunc('month', due_date)::date as month,
           coalesce((completed_at at time zone 'Asia/Shanghai')::date <= due_date, false) as done
    from staging.stg_api_training_assignments
    where unit_code is not null and due_date is not null
      and (completed_at is not null
           or due_date < (select coalesce(max((exported_at at time zone 'Asia/Shanghai')::date),
                                          date '1900-01-01')
                          from ops.loads where source = 'api_store'))
),
facts as (
    select 'handler' as role, 'dossier_quality' as component, person, unit, month, final_score as x
    from handled where final_score is not null
    union all select 'handler', 'timeliness', person, unit, month, if(on_time, 1.0, 0.0) from handled
    union all select 'handler', 'fine_disparity', person, unit, month, if(flagged, 1.0, 0.0)
    from handled where flagged is not null
    union all select 'handler', 'rectification_on_time', person, unit, month, if(overdue, 0.0, 1.0)
    from rectified
    union all select 'handler', 'training_completed', person, unit, month, if(done, 1.0, 0.0) from trained
    union all select role, 'decide_time', person, unit, month, hours from decisions where hours >= 0
    union all select 'approver', 'defective_approvals', person, unit, month, if(failed, 1.0, 0.0)
    from decisions where role = 'approver' and kind = 'decision' and ok and human
    union all select 'legal_reviewer', 'defective_approvals', person, unit, month, if(failed, 1.0, 0.0)
    from decisions where role = 'legal_reviewer' and ok and human
    union all select 'approver', 'deviation_without_reason', person, unit, month, if(reasoned, 0.0, 1.0)
    from decisions where kind = 'discretion_deviation' and ok
    union all select 'legal_reviewer', 'deviation_without_reason', person, unit, month,
           if(deviation_reasoned, 0.0, 1.0)
    from decisions where role = 'legal_reviewer' and ok and outside
    union all select 'case_reviewer', 'calibration', person, unit, month,
           if(abs(offset_points) <= band, 1.0, 0.0)
    from reviews where offset_points is not null
    union all select 'case_reviewer', 'rereview_agreement', person, unit, month, if(rereview_agrees, 1.0, 0.0)
    from reviews where rereview_agrees is not null
    union all select 'case_reviewer', 'review_time', person, unit, month, review_hours
    from reviews where review_hours is not null
    union all select 'case_reviewer', 'arbitration_upheld', person, unit, month,
           if(abs(total_score - arbitration_score) <= gap_threshold, 1.0, 0.0)
    from reviews where arbitration_score is not null
)
select if(person is null, 'unit', 'officer') as level, role, component, person as person_id,
       unit as unit_code, month, count(*) as n_basis,
       if(component in ('decide_time', 'review_time'), median(x), avg(x)) as raw_value
from facts
group by grouping sets ((role, component, person, unit, month), (role, component, unit, month))
"""


def recompute(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(components, scorecards) computed independently of the scorecard models."""
    raw = con.execute(RAW_SQL).df()
    seed = read_seed(COMPONENTS_SEED)
    for col in ("weight", "worst", "best"):
        seed[col] = seed[col].astype(float)
    comp = raw.merge(seed[["role", "component", "weight", "worst", "best"]], on=["role", "component"])
    comp = comp[comp.raw_value.notna()].copy()
    comp["sub_score"] = 100 * ((comp.raw_value - comp.worst) / (comp.best - comp.worst)).clip(0, 1)
    keys = ["level", "role", "person_id", "unit_code", "month"]
    comp["person_id"] = comp.person_id.fillna("")
    comp["effective_weight"] = comp.weight * 100 / comp.groupby(keys).weight.transform("sum")
    comp["contribution"] = comp.sub_score * comp.effective_weight / 100
    cards = comp.groupby(keys, as_index=False).agg(total_score=("contribution", "sum"))
    return comp, cards


def _marts(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    comp = con.execute("select * from marts.fct_scorecard_components").df()
    cards = con.execute("select * from marts.fct_scorecards").df()
    for frame in (comp, cards):
        frame["person_id"] = frame.person_id.fillna("")
    return comp, cards


def assert_recomputes(con: duckdb.DuckDBPyConnection) -> None:
    """Every component and every total of the marts equals the independent computation, and back."""
    want_comp, want_cards = recompute(con)
    got_comp, got_cards = _marts(con)
    keys = ["level", "role", "person_id", "unit_code", "month", "component"]
    assert len(got_comp) == len(want_comp) > 100
    joined = got_comp.merge(want_comp, on=keys, how="outer", suffixes=("", "_want"), indicator=True)
    assert (joined["_merge"] == "both").all(), joined[joined["_merge"] != "both"][[*keys, "_merge"]].head()
    for col in ("n_basis", "raw_value", "sub_score", "weight", "effective_weight", "contribution"):
        gap = (joined[col] - joined[f"{col}_want"]).abs()
        assert (gap < 1e-9).all(), joined.loc[gap >= 1e-9, [*keys, col, f"{col}_want"]].head()
    cards = got_cards.merge(want_cards, on=keys[:-1], how="outer", suffixes=("", "_want"), indicator=True)
    assert (cards["_merge"] == "both").all()
    assert ((cards.total_score - cards.total_score_want).abs() < 1e-9).all()
    # every role and both levels are covered, and the points are explained: Σ contributions = total
    assert set(got_cards.role) == {"handler", "approver", "legal_reviewer", "case_reviewer"}
    assert set(got_cards.level) == {"officer", "unit"}
    assert got_comp.groupby(["role", "component"]).sub_score.nunique().max() > 1  # scores do vary


def assert_split(con: duckdb.DuckDBPyConnection, moved: MovedOfficer) -> None:
    """The moved officer has a handler scorecard in each unit that month, each from that unit's cases."""
    cards = con.execute(
        "select unit_code, n_components from marts.fct_scorecards "
        "where level = 'officer' and role = 'handler' and person_id = ? "
        "and month = ?::date order by unit_code",
        [moved.officer_id, moved.month],
    ).fetchall()
    assert sorted(u for u, _ in cards) == sorted([moved.home_unit, moved.new_unit])
    n_new = con.execute(
        "select n_basis from marts.fct_scorecard_components where level = 'officer' and role = 'handler' "
        "and person_id = ? and unit_code = ? and month = ?::date and component = 'timeliness'",
        [moved.officer_id, moved.new_unit, moved.month],
    ).fetchall()
    assert n_new == [(2,)]


def assert_weights_refused(db: Path, target: Path, work: Path) -> None:
    """One bad weight set (handler's weights sum to 95), refused by both checks: the dbt test's compiled SQL
    on a copy of the warehouse returns the handler's row, and zhifa.scorecard raises naming it."""
    copy = work / db.name  # the compiled SQL names the catalog after the file
    shutil.copy(db, copy)
    test_sql = (target / "compiled" / "zhifa" / "tests" / "assert_scorecard_weights.sql").read_text("utf-8")
    con = duckdb.connect(str(copy))
    try:
        assert con.execute(test_sql).fetchall() == []  # the shipped seed passes
        con.execute(
            "update ref.ref_scorecard_components set weight = weight - 5 "
            "where role = 'handler' and component = 'dossier_quality'"
        )
        problems = con.execute(test_sql).fetchall()
        rows = con.execute("select * from ref.ref_scorecard_components").df().astype(str).to_dict("records")
    finally:
        con.close()
    assert [(role, problem) for role, _, problem in problems] == [
        ("handler", "考评权重合计须为100 / weights must sum to 100: handler = 95.0")
    ]
    with pytest.raises(ScorecardComponentsError, match=r"handler: 考评权重合计须为100，现为 95 "):
        check_components(rows)
