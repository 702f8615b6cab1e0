{#
  The evidence sentence of each rule: its evidence_template_zh with every {fact} replaced by that fact of the
  case (是/否 for booleans, amounts without trailing zeros, ISO dates, "—" when unknown). Templates are read
  from the rules seed and fact types from the facts table when the model runs, so a new rule row needs no
  code change. Expands to a CASE over rule_id; `rule` and `facts` are the aliases in the calling query.
#}
{% macro render_evidence(rules_relation, facts_relation, rule='r', facts='f') %}
{%- if execute -%}
    {%- set rules = run_query(
        "select rule_id, evidence_template_zh from " ~ rules_relation
        ~ " where coalesce(trim(condition), '') <> '' and coalesce(trim(evidence_template_zh), '') <> ''"
        ~ " order by rule_id") -%}
    {%- set types = {} -%}
    {%- for col in adapter.get_columns_in_relation(facts_relation) -%}
        {%- do types.update({col.name | lower: col.dtype | upper}) -%}
    {%- endfor -%}
    case {{ rule }}.rule_id
    {%- for row in rules.rows %}
        when '{{ row[0] }}' then concat(
        {%- for part in modules.re.split('\{(\w+)\}', row[1]) -%}
            {%- if loop.index0 % 2 == 0 -%}
                '{{ part | replace("'", "''") }}'
            {%- else -%}
                {{ evidence_value(facts ~ '."' ~ (part | lower) ~ '"', types.get(part | lower)) }}
            {%- endif -%}
            {{- ", " if not loop.last -}}
        {%- endfor -%})
    {%- endfor %}
    end
{%- else -%}
    null
{%- endif -%}
{% endmacro %}

{% macro evidence_value(expr, dtype) -%}
    {%- if dtype is none -%}
        '—'
    {%- elif dtype == 'BOOLEAN' -%}
        case when {{ expr }} then '是' when not {{ expr }} then '否' else '—' end
    {%- elif dtype in ('DOUBLE', 'FLOAT', 'REAL') or dtype.startswith('DECIMAL') -%}
        coalesce(regexp_replace(printf('%.2f', {{ expr }}), '\.?0+$', ''), '—')
    {%- else -%}
        coalesce(cast({{ expr }} as varchar), '—')
    {%- endif -%}
{%- endmacro %}
