-- Settings in force for each case: its province's settings version on the discovery (seizure) date — the
-- same date the benchmark and the price basis are read on. One numeric column per key the SQL reads.
with wide as (
    select
        settings_version,
        province_code,
        version_start,
        version_end,
        {% for key in var('case_setting_keys') -%}
        max(try_cast(value as double)) filter (where key = '{{ key }}') as {{ key }}{{ "," if not loop.last }}
        {% endfor %}
    from {{ ref('int_settings_versions') }}
    group by all
)
select c.case_id, w.* exclude (province_code, version_start, version_end)
from {{ ref('stg_cases') }} as c
join {{ ref('int_unit_province') }} as u on u.unit_code = c.unit_code
left join wide as w
    on w.province_code = u.province_code
    and c.discovered_date >= w.version_start and c.discovered_date < w.version_end
