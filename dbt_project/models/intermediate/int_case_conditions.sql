-- The dossier conditions of each case (ref_document_types.required_when vocabulary, docs/reference-data.md),
-- derived from the case record, its approvals and its fine. The API's archive check asks the same of
-- zhifa/dossier_conditions.py; int_case_conditions.yml's unit test is replayed through it (parity).
with c as (
    select
        c.*,
        s.hearing_fine_threshold,
        a.preservation_approval_date,
        a.extension_approval_date,
        a.deviation_requested,
        a.preservation_requested,
        exists (select 1 from {{ ref('int_case_documents') }} as d
                where d.case_id = c.case_id and d.doc_type in ('preservation_approval', 'preservation_notice')) as has_preservation_doc
    from {{ ref('int_cases') }} as c
    left join {{ ref('int_case_settings') }} as s on s.case_id = c.case_id
    left join {{ ref('int_case_approvals') }} as a on a.case_id = c.case_id
)
select
    case_id,
    coalesce(preservation_requested, false) or has_preservation_doc as preserved,
    decided_at is not null as decided,
    -- no fine or no threshold: no hearing right (false, not unknown — zhifa/dossier_conditions.py says so too)
    coalesce(decided_at is not null and fine_amount > hearing_fine_threshold, false) as hearing_right,
    coalesce(extension_days, 0) > 0 and (extension_approval_date is not null or decided_at is not null) as extension,
    decided_at is not null and coalesce(collective_discussion, false) as collective_discussion,
    case_status = 'transferred' or transferred_to is not null as transferred,
    case_status = 'withdrawn' as withdrawn,
    case_source = 'report' as report_source,
    case_status = 'closed' or closed_at is not null as closed,
    -- closed with a fine: the fine was paid or enforced, so its receipt (罚没款收据) belongs in the dossier
    (case_status = 'closed' or closed_at is not null) and coalesce(fine_amount, 0) > 0 as fine_paid
from c
