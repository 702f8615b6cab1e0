-- Seed settings; a bureau's rows replace the seed rows of each (province, key) they cover (null = everywhere).
with bureau as (select * from {{ ref('stg_settings') }})
select nullif(trim(province_code), '') as province_code, key, value, valid_from, 'seed' as source
from {{ ref('ref_settings') }} as s
where not exists (
    select 1 from bureau as b
    where coalesce(b.province_code, '') = coalesce(nullif(trim(s.province_code), ''), '') and b.key = s.key
)
union all
select province_code, key, value, valid_from, 'bureau' as source from bureau
