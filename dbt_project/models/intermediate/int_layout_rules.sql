-- Every layout rule (合理布局, DOMAIN.md §10) with its city and period, as the API applies them
-- (api/licensing/services/layout.rule_set): a rule set saved through the API takes precedence over the
-- built-in seed rows on the days it covers; rule_set names the set a rule belongs to.
select
    city_code,
    valid_from,
    valid_to,
    kind,
    place_type,
    distance_m,
    max_count,
    'saved' as origin,
    1 as precedence,
    'saved-' || rule_set_id as rule_set
from {{ ref('stg_api_layout_rules') }}
union all
select
    city_code,
    valid_from,
    valid_to,
    kind,
    nullif(place_type, '') as place_type,
    distance_m,
    max_count,
    'seed' as origin,
    2 as precedence,
    'seed-' || city_code || '-' || valid_from as rule_set
from {{ ref('ref_layout_rules') }}
