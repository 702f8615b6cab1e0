-- Documents per case and type (document rows of the contract; recognised fields are added in the facts).
select
    d.case_id,
    d.doc_type,
    count(*) as n_documents,
    min(d.issued_date) as first_issued_date,
    max(d.issued_date) as last_issued_date,
    min(d.n_signers) as min_signers,
    max(d.n_signers) as max_signers,
    bool_and(
        d.doc_no is null or d.doc_type = 'cover'
        or (starts_with(d.doc_no, u.abbreviation) and regexp_full_match(d.doc_no, '\S+〔\d{4}〕第\d+(-\d+)?号'))
    ) as doc_numbers_ok
from {{ ref('stg_documents') }} as d
join {{ ref('int_cases') }} as c on c.case_id = d.case_id
left join {{ ref('int_unit_province') }} as u on u.unit_code = c.unit_code
group by d.case_id, d.doc_type
