-- Retailer density per division against its city's layout rules (合理布局, DOMAIN.md §10) in force on the
-- licensing data's latest day — the rules the API's on-site check applies (int_layout_rules: a set saved
-- through the API, else the seed). Each held licence is judged as a new site at its place would be
-- (zhifa/licensing/layout.evaluate, against the city's held licences): closer than the minimum distance to
-- another held licence, or with at least the maximum count of other held licences within the rule's radius. Distances are haversine metres
-- (macro haversine_m); neighbours are searched in the 3×3 cells of a grid at least as wide as the longest
-- radius searched (100 m, or a longer rule), so no pair within a rule's distance is missed.
-- School and other place exclusions need the places' positions, which the warehouse does not hold.
with o as (
    select data_as_of from {{ ref('int_licensing_as_of') }}
),
held as (
    select
        v.licence_pseudonym, v.province_code, v.division_code, v.lng, v.lat,
        coalesce(u.city_code, v.division_code) as city_code
    from {{ ref('int_licence_versions') }} as v
    cross join o
    left join {{ ref('dim_units') }} as u on u.unit_code = v.division_code
    where o.data_as_of between v.valid_from and v.effective_to
),
in_force as (
    select r.*
    from {{ ref('int_layout_rules') }} as r
    cross join o
    where o.data_as_of >= r.valid_from and (r.valid_to is null or o.data_as_of <= r.valid_to)
    qualify r.precedence = min(r.precedence) over (partition by r.city_code)
),
city_rules as (
    select
        city_code,
        max(distance_m) filter (where kind = 'retailer_min_distance') as min_distance_m,
        max(distance_m) filter (where kind = 'retailer_max_count') as max_count_distance_m,
        max(max_count) filter (where kind = 'retailer_max_count') as max_count
    from in_force
    group by city_code
),
placed as (
    select * from held where lng is not null and lat is not null
),
grid as (  -- cell width in degrees of longitude at the highest latitude held: wider in latitude, never narrower
    select
        greatest(100, (select coalesce(max(greatest(min_distance_m, max_count_distance_m)), 0) from city_rules))
        / (111320 * cos(radians(least(max(abs(lat)), 89)))) as cell_deg
    from placed
),
cells as (
    select p.*, cast(floor(p.lat / g.cell_deg) as bigint) as cy, cast(floor(p.lng / g.cell_deg) as bigint) as cx
    from placed as p
    cross join grid as g
),
offsets as (
    select dx, dy from range(-1, 2) as x(dx), range(-1, 2) as y(dy)
),
pairs as (
    select
        a.licence_pseudonym,
        {{ haversine_m('a.lat', 'a.lng', 'b.lat', 'b.lng') }} as distance_m
    from cells as a
    cross join offsets as k
    join cells as b
        on b.cx = a.cx + k.dx and b.cy = a.cy + k.dy and b.licence_pseudonym <> a.licence_pseudonym
        and b.city_code = a.city_code  -- the API's check counts the city's retailers (layout.sites)
),
judged as (
    select
        c.licence_pseudonym,
        min(p.distance_m) as nearest_m,
        count(p.distance_m) filter (where p.distance_m <= r.max_count_distance_m) as within_max_count_radius,
        any_value(r.min_distance_m) as min_distance_m,
        any_value(r.max_count) as max_count
    from cells as c
    left join city_rules as r on r.city_code = c.city_code
    left join pairs as p on p.licence_pseudonym = c.licence_pseudonym
    group by c.licence_pseudonym
)
select
    h.province_code,
    h.division_code as unit_code,
    any_value(o.data_as_of) as data_as_of,
    count(*) as retailers_held,
    count(h.lng) as retailers_with_position,
    any_value(r.min_distance_m) as min_distance_m,
    count(*) filter (where j.nearest_m < r.min_distance_m) as retailers_closer_than_min,
    median(j.nearest_m) filter (where j.nearest_m <= 100) as median_nearest_within_100m,
    round(count(*) filter (where j.nearest_m < r.min_distance_m) / count(*), 4) as share_closer_than_min,
    any_value(r.max_count) as max_count,
    any_value(r.max_count_distance_m) as max_count_distance_m,
    count(*) filter (where j.within_max_count_radius >= r.max_count) as retailers_at_max_count,
    round(count(*) filter (where j.within_max_count_radius >= r.max_count) / count(*), 4) as share_at_max_count
from held as h
cross join o
left join city_rules as r on r.city_code = h.city_code
left join judged as j on j.licence_pseudonym = h.licence_pseudonym
group by h.province_code, h.division_code
