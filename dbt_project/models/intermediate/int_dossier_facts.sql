-- One row per case with exactly the dossier-facts vocabulary of docs/review-rules.md (zhifa.rules.BASE_FACTS
-- plus has_<doc_type> for every ref_document_types row): the input of machine review. Facts the data cannot
-- tell are NULL, so rules needing them are "not checked". The API builds the same row for one dossier.
{%- set doc_types = [] -%}
{%- if execute -%}
    {%- set doc_types = run_query("select doc_type from " ~ ref('ref_document_types') ~ " order by filing_order").columns[0].values() -%}
{%- endif %}
with docs as (
    select
        case_id,
        {% for t in doc_types -%}
        bool_or(doc_type = '{{ t }}') as has_{{ t }},
        {% endfor -%}
        min(first_issued_date) filter (where doc_type = 'report_record') as report_date,
        min(first_issued_date) filter (where doc_type = 'inspection_record') as inspection_date,
        min(first_issued_date) filter (where doc_type = 'preservation_notice') as preservation_notice_date,
        min(first_issued_date) filter (where doc_type = 'preservation_approval') as preservation_approval_doc_date,
        min(first_issued_date) filter (where doc_type = 'preservation_handling') as preservation_handling_doc_date,
        min(first_issued_date) filter (where doc_type = 'hearing_notice') as hearing_notice_date,
        min(first_issued_date) filter (where doc_type = 'prior_notice') as prior_notice_date,
        min(min_signers) filter (where doc_type in ('inquiry_record', 'statement_record')) as n_inquiry_officers_min,
        min(max_signers) filter (where doc_type = 'valuation_table') as valuation_signers,
        bool_and(doc_numbers_ok) as doc_numbers_ok
    from {{ ref('int_case_documents') }}
    group by case_id
),
receipts as (
    -- external documents served on the party need one 送达回证 each; the decision only once served
    select
        d.case_id,
        greatest(
            count(*) filter (where t.needs_service_receipt
                             and (d.doc_type <> 'penalty_decision' or c.served_at is not null))
            - count(*) filter (where d.doc_type = 'service_receipt'),
            0) as service_receipts_missing
    from {{ ref('stg_documents') }} as d
    join {{ ref('ref_document_types') }} as t on t.doc_type = d.doc_type
    join {{ ref('int_cases') }} as c on c.case_id = d.case_id
    group by d.case_id
),
certified as (
    select
        co.case_id,
        count(*) filter (
            where o.cert_no is not null
            and (o.cert_valid_from is null or o.cert_valid_from <= coalesce(dc.inspection_date, c.discovered_date))
            and (o.cert_valid_to is null or coalesce(dc.inspection_date, c.discovered_date) <= o.cert_valid_to)
        ) as n_officers_certified,
        string_agg(co.officer_id, ', ' order by co.officer_id) filter (
            where o.officer_id is null or o.cert_no is null
            or coalesce(dc.inspection_date, c.discovered_date) not between coalesce(o.cert_valid_from, date '1900-01-01')
                                                                    and coalesce(o.cert_valid_to, date '9999-12-31')
        ) as uncertified_officers
    from {{ ref('stg_case_officers') }} as co
    join {{ ref('int_cases') }} as c on c.case_id = co.case_id
    left join docs as dc on dc.case_id = co.case_id
    left join {{ ref('stg_officers') }} as o on o.officer_id = co.officer_id
    group by co.case_id
),
videos as (
    select case_id, max(upload_delay_hours) as video_upload_hours_max,
           bool_or(step = 'inspection') as has_inspection_video
    from {{ ref('stg_videos') }}
    group by case_id
),
chosen_tier as (
    -- rates of the tier the officer chose, from the same benchmark rows the case's own tier came from
    select c.case_id, t.rate_min, t.rate_max
    from {{ ref('int_cases') }} as c
    join {{ ref('fct_case_fines') }} as f on f.case_id = c.case_id
    join {{ ref('int_discretion_tiers') }} as t
        on t.province_code = f.tier_source_province and t.violation_code = c.violation_code
        and t.tier = c.circumstance_tier
        and (t.valid_from is null or t.valid_from <= c.discovered_date)
        and (t.valid_to is null or c.discovered_date <= t.valid_to)
    qualify row_number() over (partition by c.case_id order by t.valid_from desc nulls last) = 1
),
line_nos as (
    select case_id, list_sort(list(line_no)) = range(1, count(*) + 1) as consecutive
    from {{ ref('stg_case_items') }}
    group by case_id
)
select
    c.case_id,
    c.province_code,
    c.unit_code,
    c.violation_code,
    c.case_status,
    c.case_source,
    c.n_officers,
    coalesce(ce.n_officers_certified, 0) as n_officers_certified,
    ce.uncertified_officers,
    d.n_inquiry_officers_min,
    rf.party_values_distinct,
    case u.level
        when 'county' then c.licence_division = c.unit_code
        when 'city' then left(c.licence_division, 4) = left(c.unit_code, 4)
        when 'province' then left(c.licence_division, 2) = left(c.unit_code, 2)
    end as licence_division_matches_unit,
    rf.cause,
    rf.cause_values_distinct,
    c.discovered_date,
    d.report_date,
    coalesce(d.inspection_date, c.discovered_date) as inspection_date,
    coalesce(c.filed_date, a.filing_approval_date) as filing_date,
    coalesce(d.preservation_notice_date, a.preservation_approval_date) as preservation_date,
    coalesce(a.preservation_approval_date, d.preservation_approval_doc_date) as preservation_approval_date,
    coalesce(a.preservation_handling_date, d.preservation_handling_doc_date) as preservation_handling_date,
    null::date as handler_opinion_date,
    null::date as dept_opinion_date,
    null::date as head_opinion_date,
    a.legal_review_date,
    a.head_approval_date,
    d.hearing_notice_date,
    d.prior_notice_date,
    c.decided_date as decision_date,
    c.served_date as decision_service_date,
    c.published_date as publication_date,
    c.closed_date as closing_date,
    c.archived_date as archive_date,
    date_diff('day', c.discovered_date, coalesce(c.filed_date, a.filing_approval_date)) as filed_days_after_discovery,
    date_diff('day', coalesce(d.preservation_notice_date, a.preservation_approval_date),
              coalesce(a.preservation_handling_date, d.preservation_handling_doc_date)) as preservation_handling_days,
    date_diff('day', coalesce(c.filed_date, a.filing_approval_date), c.decided_date) as decision_days_after_filing,
    date_diff('day', c.decided_date, c.served_date) as service_days_after_decision,
    {{ working_days_between('c.decided_date', 'c.published_date') }} as publication_working_days,
    coalesce(c.extension_days, 0) as extension_days,
    v.video_upload_hours_max,
    v.has_inspection_video,
    k.preserved,
    null::boolean as hearing_requested,
    coalesce(d.has_hearing_record, false) as hearing_held,
    -- '' = known not transferred (NULL would mean unknown: a rule on it not checked)
    coalesce(c.transferred_to, '') as transferred_to,
    nullif(vt.must_transfer_to, '') as must_transfer_to,
    c.prior_offences_3y,
    null::boolean as ownerless,
    null::varchar as ownerless_disposal,
    null::integer as ownerless_days,
    f.computed_amount as base_amount,
    c.fine_amount,
    c.illegal_gains,
    f.sticks_total,
    f.statutory_min_amount,
    f.statutory_max_amount,
    c.circumstance_tier as chosen_tier,
    f.tier as benchmark_tier,
    ct.rate_min as tier_rate_min,
    ct.rate_max as tier_rate_max,
    c.has_deviation_reason,
    coalesce(a.deviation_approval, false) as deviation_approved,
    coalesce(rf.valuation_line_nos_consecutive, ln.consecutive) as valuation_line_nos_consecutive,
    case when rf.valuation_lines is not null
         then rf.valuation_lines = v2.n_lines and abs(rf.valuation_quantity - v2.cartons_total) <= 0.01 end
        as valuation_items_match_preservation,
    v2.prices_match_catalog as valuation_prices_match_catalog,
    rf.valuation_subtotals_ok,
    coalesce(rf.valuation_signatures, d.valuation_signers) as valuation_signatures,
    rf.cover_no,
    rf.retention,
    null::boolean as documents_in_order,
    null::boolean as pages_numbered,
    d.doc_numbers_ok,
    -- receipts are required once decided (ref_document_types: service_receipt required_when = decided)
    case when c.decided_at is not null then coalesce(r.service_receipts_missing, 0) end as service_receipts_missing,
    rf.decision_states_remedies,
    rf.decision_states_payment_terms,
    case when rf.decision_legal_basis is not null
         then replace(rf.decision_legal_basis, ' ', '') like '%' || replace(split_part(vt.legal_basis, '；', 1), ' ', '') || '%' end
        as decision_cites_legal_basis,
    {% for t in doc_types -%}
    coalesce(d.has_{{ t }}, false) as has_{{ t }},
    {% endfor -%}
    s.settings_version
from {{ ref('int_cases') }} as c
left join {{ ref('int_unit_province') }} as u on u.unit_code = c.unit_code
left join docs as d on d.case_id = c.case_id
left join receipts as r on r.case_id = c.case_id
left join certified as ce on ce.case_id = c.case_id
left join videos as v on v.case_id = c.case_id
left join {{ ref('int_case_approvals') }} as a on a.case_id = c.case_id
left join {{ ref('int_case_conditions') }} as k on k.case_id = c.case_id
left join {{ ref('fct_case_fines') }} as f on f.case_id = c.case_id
left join {{ ref('int_case_valuation') }} as v2 on v2.case_id = c.case_id
left join chosen_tier as ct on ct.case_id = c.case_id
left join line_nos as ln on ln.case_id = c.case_id
left join {{ ref('ref_violation_types') }} as vt on vt.violation_code = c.violation_code
left join {{ ref('int_recognised_facts') }} as rf on rf.case_id = c.case_id
left join {{ ref('int_case_settings') }} as s on s.case_id = c.case_id
