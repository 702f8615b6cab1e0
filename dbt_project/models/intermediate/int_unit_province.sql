-- Province-level bureau above each unit (walks parent_code up the tree; a province is its own province).
with recursive walk (unit_code, ancestor, ancestor_level, depth) as (
    select unit_code, unit_code, level, 0 from {{ ref('stg_units') }}
    union all
    select w.unit_code, p.unit_code, p.level, w.depth + 1
    from walk as w
    join {{ ref('stg_units') }} as u on u.unit_code = w.ancestor
    join {{ ref('stg_units') }} as p on p.unit_code = u.parent_code
    where w.ancestor_level <> 'province' and w.depth < 8
)
select
    u.unit_code,
    u.unit_name,
    u.level,
    u.parent_code,
    u.abbreviation,
    w.ancestor as province_code
from {{ ref('stg_units') }} as u
left join walk as w on w.unit_code = u.unit_code and w.ancestor_level = 'province'
