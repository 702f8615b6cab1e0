-- Province-level bureau above each unit (int_unit_ancestors; a province is its own province).
select
    u.unit_code,
    u.unit_name,
    u.level,
    u.parent_code,
    u.abbreviation,
    a.ancestor_code as province_code
from {{ ref('stg_units') }} as u
left join {{ ref('int_unit_ancestors') }} as a on a.unit_code = u.unit_code and a.ancestor_level = 'province'
