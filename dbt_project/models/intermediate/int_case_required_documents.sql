-- Required documents per case (ref_document_types.required_when against the case's conditions) and
-- whether the dossier holds them. 'hearing_right' documents are left to the HEARING_NOT_NOTIFIED signal and
-- the hearing rules, so one missing hearing notice is not reported twice.
with conditions as (
    unpivot {{ ref('int_case_conditions') }}
    on preserved, decided, hearing_right, extension, collective_discussion, transferred, withdrawn,
       report_source, closed, fine_paid
    into name condition value holds
),
required as (
    select c.case_id, t.doc_type, t.name_zh, t.filing_order, t.required_when
    from {{ ref('int_cases') }} as c
    join {{ ref('ref_document_types') }} as t on t.required_when = 'always'
    where c.filed_at is not null  -- a dossier is opened at filing
    union all
    select k.case_id, t.doc_type, t.name_zh, t.filing_order, t.required_when
    from conditions as k
    join {{ ref('ref_document_types') }} as t
        on t.required_when = case k.condition when 'preserved' then 'preservation' else k.condition end
    where k.holds and t.required_when <> 'hearing_right'
)
select r.*, d.case_id is not null as present
from required as r
left join {{ ref('int_case_documents') }} as d on d.case_id = r.case_id and d.doc_type = r.doc_type
