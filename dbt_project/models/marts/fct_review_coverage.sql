-- Sampling coverage (抽查覆盖率) of the contract reviews per unit and decision year: decided cases, how many
-- of them a sample-mode review covered, and how many any human review covered. fct_review_sampling_coverage is
-- the API-dossier view of the same question (draws over uploaded dossiers).
with decided as (
    select case_id, unit_code, cast(year(decided_date) as integer) as year
    from {{ ref('int_cases') }}
    where decided_date is not null
),
reviewed as (
    select case_id, bool_or(mode = 'sample') as sampled
    from {{ ref('fct_human_reviews') }}
    group by case_id
)
select
    d.unit_code,
    d.year,
    cast(count(*) as integer) as n_decided_cases,
    cast(count(*) filter (where r.sampled) as integer) as n_sampled,
    cast(count(r.case_id) as integer) as n_reviewed,
    cast(count(*) filter (where r.sampled) as double) / count(*) as coverage
from decided as d
left join reviewed as r on r.case_id = d.case_id
group by d.unit_code, d.year
