-- Seed benchmark with a bureau's own tiers replacing the seed rows of each (province, violation) they cover
-- (ReferenceData.with_overrides granularity).
with bureau as (
    select * from {{ ref('stg_discretion_tiers') }}
),
seed as (
    select province_code, violation_code, tier, tier_label, amount_min, amount_max, quantity_min,
           quantity_max, quantity_unit, min_prior_offences, rate_min, rate_max, rate_default, valid_from, valid_to
    from {{ ref('ref_discretion_tiers') }} as s
    where not exists (
        select 1 from bureau as b
        where b.province_code = s.province_code and b.violation_code = s.violation_code
    )
)
select *, 'seed' as source from seed
union all
select province_code, violation_code, tier, tier_label, amount_min, amount_max, quantity_min,
       quantity_max, quantity_unit, min_prior_offences, rate_min, rate_max, rate_default, valid_from, valid_to,
       'bureau' as source
from bureau
