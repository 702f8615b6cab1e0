-- Each unit with every unit above it and itself (walks parent_code up to the province-level bureau): the
-- unit subtrees (a unit's rows and those of the units below it) that unit-scoped marts aggregate over.
with recursive walk (unit_code, ancestor, ancestor_level, depth) as (
    select unit_code, unit_code, level, 0 from {{ ref('stg_units') }}
    union all
    select w.unit_code, p.unit_code, p.level, w.depth + 1
    from walk as w
    join {{ ref('stg_units') }} as u on u.unit_code = w.ancestor
    join {{ ref('stg_units') }} as p on p.unit_code = u.parent_code
    where w.ancestor_level <> 'province' and w.depth < 8
)
select unit_code, ancestor as ancestor_code, ancestor_level, depth
from walk
