-- Seed price basis; a bureau's rows replace the seed rows of the province they cover.
with bureau as (select * from {{ ref('stg_price_basis') }})
select province_code, price_type, valid_from, valid_to, 'seed' as source
from {{ ref('ref_price_basis') }} as s
where not exists (select 1 from bureau as b where b.province_code = s.province_code)
union all
select province_code, price_type, valid_from, valid_to, 'bureau' as source from bureau
