-- Duties towards other units (备案 to the city/province, the 24-hour major-case report, the criminal transfer),
-- one row per duty found by the API (raw.api_upward_reports), with its clock recomputed here by the rule of
-- zhifa/upward.py: a working-day clock counts working days after the start's local date up to the
-- recipient's record (int_working_days); an hour clock compares instants. A duty not yet recorded is
-- measured up to data_as_of (the data's own latest date, as for publication): missing once its last moment
-- lies before that day. Bulk cases carry no report records (the contract has no such table).
with horizon as (
    select max(data_as_of) as data_as_of from {{ ref('int_case_publication') }}
),
reports as (
    select
        r.report_id, r.case_id, r.kind, r.from_unit, r.to_unit, r.name_zh, r.legal_basis, r.clock,
        r.limit_value, r.started_at, r.due_at, r.acknowledged_at,
        {{ local_date('r.started_at') }} as start_date,
        {{ local_date('r.acknowledged_at') }} as acknowledged_date,
        h.data_as_of
    from {{ ref('stg_api_upward_reports') }} as r
    cross join horizon as h
),
measured as (
    select
        *,
        case when clock = 'working_days'
             then {{ working_days_between('start_date', 'acknowledged_date') }} end as working_days_taken,
        case when clock = 'working_days' and acknowledged_at is null
             then {{ working_days_between('start_date', 'data_as_of') }} end as working_days_open,
        case when clock = 'hours' then started_at + to_hours(limit_value) end as last_moment
    from reports
)
select
    report_id, case_id, kind, from_unit, to_unit, name_zh, legal_basis, clock, limit_value, started_at,
    due_at, acknowledged_at, data_as_of, working_days_taken, working_days_open,
    case
        when clock = 'working_days' and acknowledged_at is not null
            then case when working_days_taken > limit_value then 'late' else 'on_time' end
        when clock = 'working_days'
            then case when working_days_open > limit_value then 'missing' else 'pending' end
        when acknowledged_at is not null
            then case when acknowledged_at > last_moment then 'late' else 'on_time' end
        when {{ local_date('last_moment') }} < data_as_of then 'missing'
        else 'pending'
    end as report_status,
    name_zh || '（' || legal_basis || '）：起算 ' || strftime({{ local_ts('started_at') }}, '%Y-%m-%d %H:%M') || '，'
        || coalesce('登记 ' || strftime({{ local_ts('acknowledged_at') }}, '%Y-%m-%d %H:%M'), '至 ' || data_as_of || ' 未见登记')
        || '，时限 ' || limit_value || case when clock = 'hours' then ' 小时' else ' 个工作日' end as detail_zh
from measured
