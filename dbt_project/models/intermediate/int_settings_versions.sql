-- Settings in force per province and period: a new version starts wherever any row (national or the
-- province's own) starts. Within a version each key takes the province's own row if one is valid, else the
-- national one, and among those the latest valid_from (ReferenceData.settings_for).
with provinces as (
    select distinct province_code from {{ ref('int_unit_province') }} where province_code is not null
),
candidates as (
    select p.province_code, s.key, s.value, coalesce(s.valid_from, date '1900-01-01') as valid_from,
           s.province_code is not null as is_own
    from provinces as p
    join {{ ref('int_settings') }} as s on s.province_code is null or s.province_code = p.province_code
),
starts as (
    select distinct province_code, valid_from as version_start from candidates
),
versions as (
    select province_code, version_start,
           coalesce(lead(version_start) over (partition by province_code order by version_start),
                    date '9999-12-31') as version_end
    from starts
)
select
    v.province_code || '@' || strftime(v.version_start, '%Y-%m-%d') as settings_version,
    v.province_code,
    v.version_start,
    v.version_end,
    c.key,
    arg_max(c.value, {{ own_then_latest('c.is_own', 'c.valid_from') }}) as value
from versions as v
join candidates as c on c.province_code = v.province_code and c.valid_from <= v.version_start
group by all
