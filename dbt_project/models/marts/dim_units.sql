-- One row per unit (bureau) of the unit tree, with the names people read: its own name and short name, the
-- city-level and province-level bureaus above it, and its path from the province down (e.g. 河南省 › 郑州市 ›
-- 中牟县). Dashboards join it so that charts and filters show names, not division codes. The tree is at
-- most three levels deep (province › city › county), so two parent joins reach the top.
with units as (
    select
        unit_code,
        unit_name,
        regexp_replace(unit_name, '烟草专卖局$', '') as short_name,
        level,
        parent_code
    from {{ ref('stg_units') }}
),
officers as (
    select unit_code, cast(count(*) as integer) as n_officers
    from {{ ref('stg_officers') }}
    group by unit_code
)
select
    u.unit_code,
    u.unit_name,
    u.short_name,
    u.level,
    u.parent_code,
    case
        when u.level = 'city' then u.unit_code
        when p.level = 'city' then p.unit_code
        when g.level = 'city' then g.unit_code
    end as city_code,
    case
        when u.level = 'city' then u.unit_name
        when p.level = 'city' then p.unit_name
        when g.level = 'city' then g.unit_name
    end as city_name,
    up.province_code,
    pr.unit_name as province_name,
    concat_ws(' › ', g.short_name, p.short_name, u.short_name) as path,
    cast(case u.level when 'province' then 0 when 'city' then 1 else 2 end as integer) as depth,
    coalesce(o.n_officers, 0) as n_officers
from units as u
left join units as p on p.unit_code = u.parent_code
left join units as g on g.unit_code = p.parent_code
left join {{ ref('int_unit_province') }} as up on up.unit_code = u.unit_code
left join units as pr on pr.unit_code = up.province_code
left join officers as o on o.unit_code = u.unit_code
