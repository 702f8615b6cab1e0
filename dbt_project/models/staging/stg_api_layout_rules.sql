-- raw.api_layout_rule_sets (layout rules saved through the API), one row per rule: the JSON list unnested into
-- the columns of the seed ref_layout_rules, so that both read alike downstream (int_layout_rules)
{{ config(materialized='table') }}
with sets as (
    {{ staged_api('api_layout_rule_sets') }}
),
rules as (
    select
        rule_set_id,
        city_code,
        valid_from,
        valid_to,
        saved_at,
        unnest(from_json(
            rules,
            '[{"kind": "VARCHAR", "place_type": "VARCHAR", "distance_m": "DOUBLE", "max_count": "INTEGER"}]'
        )) as r
    from sets
)
select
    rule_set_id,
    city_code,
    valid_from,
    valid_to,
    r.kind,
    r.place_type,
    r.distance_m,
    r.max_count,
    saved_at
from rules
