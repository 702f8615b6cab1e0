-- Licensing signals with their legal basis (ref_licence_signals): decisions past their legal time, renewals
-- missed, cartons traced by spray code to a licence not held on the sorting day, and cases whose charge
-- disagrees with the register on the day of the offence. One row per (subject, signal); subject_id is an
-- application id, a licence pseudonym or a case id (subject_kind says which).
with found as (
    select 'LICENCE_DECISION_LATE' as signal_code, application_id as subject_id, province_code, unit_code,
           coalesce(decided_date, data_as_of) as signal_date,
           '受理 ' || accepted_date || '，时限 ' || allowed_working_days || ' 个工作日（含延长 ' || extension_days
           || ' 日）至 ' || deadline_date || '，' || case when decided_date is null
                then '至 ' || data_as_of || ' 仍未决定（已 ' || working_days_open || ' 个工作日）'
                else decided_date || ' 决定（第 ' || working_days_to_decision || ' 个工作日）' end
           || case when has_late_reason then '；已记录超期理由' else '；未记录超期理由' end as detail
    from {{ ref('int_licence_applications') }}
    where decision_clock in ('late', 'overdue')
    union all
    select 'LICENCE_RENEWAL_MISSED', licence_pseudonym, province_code, unit_code, valid_to,
           '有效期至 ' || valid_to || '，' || case when next_valid_from is null then '至 ' || data_as_of || ' 未见延续'
                else '延续自 ' || next_valid_from || '，中断 ' || gap_days_before_next || ' 日' end
    from {{ ref('fct_licence_history') }}
    where valid_to < data_as_of
      and (status_from is null or status_from > valid_to)
      and (next_valid_from is null or next_valid_from > cast(valid_to + interval 1 day as date))
    union all
    select 'SALE_FROM_CANCELLED_LICENCE', l.case_id, c.province_code, c.unit_code, c.discovered_date,
           l.spray_lines_unlicensed || ' 条卷烟喷码追溯至当日未持有的许可证：' || l.spray_detail
    from {{ ref('int_case_licences') }} as l
    join {{ ref('int_cases') }} as c on c.case_id = l.case_id
    where l.spray_lines_unlicensed > 0
    union all
    select 'LICENCE_INVALID_ON_OFFENCE', l.case_id, c.province_code, c.unit_code, c.discovered_date,
           '案发 ' || c.discovered_date || ' 许可证状态：' || l.licence_status_on_offence || '，认定违法行为 '
           || c.violation_code
    from {{ ref('int_case_licences') }} as l
    join {{ ref('int_cases') }} as c on c.case_id = l.case_id
    where not l.licence_status_consistent
)
select
    f.signal_code,
    r.name_zh as signal_name,
    r.legal_basis,
    r.weight,
    r.subject as subject_kind,
    f.subject_id,
    f.province_code,
    f.unit_code,
    f.signal_date,
    f.detail,
    -- a case subject's violation, for the dashboards' violation filter: joined here once, not at every chart
    -- query (a 1M-row join per chart at national 5-year scale, docs/benchmarks.md, issue 22)
    o.violation_name
from found as f
join {{ ref('ref_licence_signals') }} as r on r.signal_code = f.signal_code
left join {{ ref('fct_case_overview') }} as o
    on o.case_id = case when r.subject = 'case' then f.subject_id end
