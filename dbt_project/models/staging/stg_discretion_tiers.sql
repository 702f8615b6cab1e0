select
    province_code, violation_code, cast(tier as integer) as tier, tier_label,
    amount_min, amount_max, quantity_min, quantity_max, quantity_unit,
    cast(min_prior_offences as integer) as min_prior_offences,
    rate_min, rate_max, rate_default, valid_from, valid_to
from {{ source('raw', 'discretion_tiers') }}
