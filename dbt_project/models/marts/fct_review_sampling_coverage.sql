-- Sampling coverage per unit and year: dossiers in the API store (year of the decision, else of the upload,
-- local time) and how many of them some sampling draw selected.
with dossiers as (
    select
        case_id,
        unit_code,
        cast(year(coalesce(decided_on, {{ local_date('created_at') }})) as integer) as year
    from {{ ref('stg_api_dossiers') }}
),
sampled as (
    select distinct s.case_id
    from {{ ref('stg_api_sampling_draws') }} as d,
         unnest(cast(from_json(d.selected, '["VARCHAR"]') as varchar[])) as s(case_id)
)
select
    d.unit_code,
    d.year,
    cast(count(*) as integer) as n_dossiers,
    cast(count(s.case_id) as integer) as n_sampled,
    cast(count(s.case_id) as double) / count(*) as coverage
from dossiers as d
left join sampled as s on s.case_id = d.case_id
group by d.unit_code, d.year
