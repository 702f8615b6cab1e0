-- One row per scorecard component: (level officer|unit, role, person, unit, month, component) with the raw
-- value, its 0–100 sub-score, the weight, the weight re-spread over the components present that month, and
-- the contribution to the total (Σ contributions = fct_scorecards.total_score). Every component is a row of
-- ref_scorecard_components: which basis model it reads (columns role, person_id, unit_code, month), which
-- rows count (basis_filter) and the aggregate that makes its raw value (raw_expr); worst → 0, best → 100,
-- linear in between and clamped. A new component is a seed row (and, for a new basis, a depends_on below).
-- depends_on: {{ ref('int_scorecard_handlers') }}
-- depends_on: {{ ref('int_scorecard_decisions') }}
-- depends_on: {{ ref('int_scorecard_reviews') }}
-- depends_on: {{ ref('int_scorecard_rectifications') }}
-- depends_on: {{ ref('int_scorecard_training') }}
{%- set components = [] -%}
{%- if execute -%}
    {%- set components = run_query("select role, component, source, basis_filter, raw_expr from " ~ ref('ref_scorecard_components') ~ " order by role, component").rows -%}
{%- endif %}
with raw_values as (
{%- for c in components %}
    {%- for level in ['officer', 'unit'] %}
    select
        '{{ level }}' as level, '{{ c[0] }}' as role, '{{ c[1] }}' as component,
        {{ 'person_id' if level == 'officer' else 'cast(null as varchar)' }} as person_id, unit_code, month,
        cast(count(*) as integer) as n_basis,
        cast({{ c[4] }} as double) as raw_value
    from {{ ref(c[2]) }}
    where role = '{{ c[0] }}' and ({{ c[3] }})
    group by all
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
),
scored as (
    select
        v.*,
        s.name_zh,
        s.description_zh,
        s.weight,
        s.direction,
        s.worst,
        s.best,
        s.source,
        100.0 * greatest(0.0, least(1.0, (v.raw_value - s.worst) / (s.best - s.worst))) as sub_score
    from raw_values as v
    join {{ ref('ref_scorecard_components') }} as s on s.role = v.role and s.component = v.component
    where v.raw_value is not null
),
spread as (
    select
        *,
        weight * 100.0 / sum(weight) over (partition by level, role, person_id, unit_code, month) as effective_weight
    from scored
),
final as (
select
    level,
    role,
    person_id,
    unit_code,
    month,
    component,
    name_zh,
    description_zh,
    source,
    n_basis,
    raw_value,
    direction,
    worst,
    best,
    sub_score,
    weight,
    effective_weight,
    sub_score * effective_weight / 100.0 as contribution
from spread
)
-- the unit's names joined once here: the 执法考评 dashboard filters and groups these rows by them, and joining
-- dim_units at every chart query was half of a chart's DuckDB time at 1M cases (docs/benchmarks.md, issue 22)
select
    f.*,
    u.province_code,
    u.province_name,
    u.path as unit_path
from final as f
left join {{ ref('dim_units') }} as u on u.unit_code = f.unit_code
