-- One row per (case, signal): procedural and discretion risks with the legal basis and what was found, and
-- the case's unit, violation and discovery date, so the dashboards' signal charts never join the 1M-row
-- case table at query time.
-- Every signal is a row of ref_risk_signals: name, legal basis, weight, and two SQL expressions over the
-- case row `f` below — `predicate` (the case raises the signal) and `detail` (the sentence shown). A new
-- signal is a seed row over these columns, not a new union branch. Thresholds come from the settings in
-- force for the case (int_case_settings).
{%- set signals = [] -%}
{%- if execute -%}
    {%- set signals = run_query("select signal_code, predicate, detail from " ~ ref('ref_risk_signals') ~ " order by signal_code").rows -%}
{%- endif %}
with missing_docs as (
    select case_id, string_agg(name_zh || '（' || doc_type || '）', '、' order by filing_order) as docs
    from {{ ref('int_case_required_documents') }}
    where not present
    group by case_id
),
rectification as (
    -- the case's most overdue rectification (整改): int_rectifications' one overdue rule
    select
        case_id,
        bool_or(overdue) as rectification_overdue,
        bool_or(overdue and status <> 'closed') as rectification_open,
        max(overdue_working_days) as rectification_overdue_days,
        arg_max(due_date, overdue_working_days) as rectification_due_date,
        max(data_as_of) as rectification_as_of
    from {{ ref('int_rectifications') }}
    group by case_id
),
upward as (  -- duties towards other units: one sentence per duty, with its legal basis
    select
        case_id,
        string_agg(detail_zh, '；' order by report_id) filter (where report_status = 'late') as upward_late,
        string_agg(detail_zh, '；' order by report_id) filter (where report_status = 'missing') as upward_missing
    from {{ ref('int_case_upward_reports') }}
    group by case_id
),
major as (  -- the catalogue of major decisions, as the API applies it (zhifa/major_decisions.py)
    select
        case_id,
        string_agg(name_zh || '（' || legal_basis || '）', '；' order by catalogue_code) as major_reasons,
        string_agg(name_zh, '；' order by catalogue_code) filter (where collective_discussion) as discussion_reasons
    from {{ ref('int_case_major_decisions') }}
    group by case_id
),
f as (
    select
        x.*,
        s.filing_days_after_discovery, s.preservation_handling_days as handling_limit,
        s.decision_days_after_filing as decision_limit, s.service_days_after_decision as service_limit,
        s.publication_working_days as publication_limit, s.video_upload_hours, s.officers_min,
        s.hearing_fine_threshold, s.legal_review_fine_threshold,
        c.hearing_notified, c.legal_review_done, c.decided_at is not null as decided,
        fi.deviation_unapproved, fi.in_statutory_range, fi.valuation_mismatch, fi.rate,
        fi.statutory_min_amount, fi.statutory_max_amount, fi.stated_amount, fi.computed_amount,
        fi.valuation_evidence, fi.stated_price_outliers,
        vt.legal_basis as violation_legal_basis,
        m.case_id is not null as documents_missing, m.docs as missing_documents,
        p.data_as_of, p.unpublished_working_days, p.publication_status,
        coalesce(rc.rectification_overdue, false) as rectification_overdue, rc.rectification_open,
        rc.rectification_overdue_days, rc.rectification_due_date, rc.rectification_as_of,
        u.upward_late, u.upward_missing, mj.major_reasons, mj.discussion_reasons,
        coalesce(x.has_collective_discussion, false) or coalesce(c.collective_discussion, false) as has_discussion
    from {{ ref('int_dossier_facts') }} as x
    join {{ ref('int_cases') }} as c on c.case_id = x.case_id
    left join {{ ref('int_case_settings') }} as s on s.case_id = x.case_id
    left join {{ ref('fct_case_fines') }} as fi on fi.case_id = x.case_id
    left join {{ ref('ref_violation_types') }} as vt on vt.violation_code = x.violation_code
    left join missing_docs as m on m.case_id = x.case_id
    left join {{ ref('int_case_publication') }} as p on p.case_id = x.case_id
    left join rectification as rc on rc.case_id = x.case_id
    left join upward as u on u.case_id = x.case_id
    left join major as mj on mj.case_id = x.case_id
),
signals as (
    {%- for code, predicate, detail in signals %}
    select case_id, '{{ code }}' as signal_code, {{ detail }} as detail from f where ({{ predicate }})
    {% if not loop.last %}union all{% endif %}
    {%- else %}
    select null::varchar as case_id, null::varchar as signal_code, null::varchar as detail where false
    {%- endfor %}
)
select
    s.case_id,
    c.province_code,
    c.unit_code,
    c.violation_code,
    c.discovered_date,
    s.signal_code,
    r.name_zh as signal_name,
    r.legal_basis,
    s.detail,
    r.weight
from signals as s
join {{ ref('int_cases') }} as c on c.case_id = s.case_id
join {{ ref('ref_risk_signals') }} as r on r.signal_code = s.signal_code
