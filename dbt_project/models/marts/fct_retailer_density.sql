-- Retailer density per division against the layout rule of a minimum distance between retailers
-- (licence_min_distance_m, ref_settings, per province; 合理布局, DOMAIN.md §10): licences held on the data's
-- latest day, and how many of them have another held licence closer than the minimum. Distances are
-- equirectangular metres between WGS-84 positions; neighbours are searched in the 3×3 cells of a ~100 m grid,
-- enough for any minimum under 100 m.
with o as (
    select data_as_of from {{ ref('int_licensing_as_of') }}
),
held as (
    select v.licence_pseudonym, v.province_code, v.division_code, v.lng, v.lat
    from {{ ref('int_licence_versions') }} as v
    cross join o
    where o.data_as_of between v.valid_from and v.effective_to
),
rule as (
    select s.province_code, max(try_cast(s.value as double)) as min_distance_m
    from {{ ref('int_settings_versions') }} as s
    cross join o
    where s.key = 'licence_min_distance_m' and o.data_as_of >= s.version_start and o.data_as_of < s.version_end
    group by all
),
cells as (
    select *, cast(floor(lat / 0.001) as bigint) as cy, cast(floor(lng / 0.001) as bigint) as cx
    from held
    where lng is not null and lat is not null
),
offsets as (
    select dx, dy from range(-1, 2) as x(dx), range(-1, 2) as y(dy)
),
nearest as (
    select
        a.licence_pseudonym,
        min(sqrt(power((b.lng - a.lng) * cos(radians(a.lat)) * 111320, 2)
                 + power((b.lat - a.lat) * 110540, 2))) as nearest_m
    from cells as a
    cross join offsets as k
    join cells as b
        on b.cx = a.cx + k.dx and b.cy = a.cy + k.dy and b.licence_pseudonym <> a.licence_pseudonym
    group by a.licence_pseudonym
)
select
    h.province_code,
    h.division_code as unit_code,
    any_value(o.data_as_of) as data_as_of,
    count(*) as retailers_held,
    count(h.lng) as retailers_with_position,
    any_value(r.min_distance_m) as min_distance_m,
    count(*) filter (where n.nearest_m < r.min_distance_m) as retailers_closer_than_min,
    median(n.nearest_m) as median_nearest_within_100m,
    round(count(*) filter (where n.nearest_m < r.min_distance_m) / count(*), 4) as share_closer_than_min
from held as h
cross join o
left join rule as r on r.province_code = h.province_code
left join nearest as n on n.licence_pseudonym = h.licence_pseudonym
group by h.province_code, h.division_code
