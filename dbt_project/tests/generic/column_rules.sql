{#- Several column rules of one model in one scan and one dbt node: dbt spends ~50 ms per node (rendering,
    adapter calls), more than most of these queries. Same rules as dbt's not_null, unique (nulls allowed) and
    accepted_values (strings; nulls allowed); a failure raises one error naming the model and every failing
    rule with its column and row count, e.g. "fct_x: not_null(unit_code) failed on 3 rows". The error sits in
    a filter, which DuckDB cannot prune under dbt's count(*) wrapper as it would a projected column. -#}
{% test column_rules(model, not_null=[], unique=[], accepted_values={}) %}
with counts as (
    select
    {%- for column in not_null %}
        count(*) filter (where {{ column }} is null) as "not_null({{ column }})",
    {%- endfor %}
    {%- for column in unique %}
        count({{ column }}) - count(distinct {{ column }}) as "unique({{ column }})",
    {%- endfor %}
    {%- for column, values in accepted_values.items() %}
        count(*) filter (where {{ column }} not in (
            {%- for value in values %}'{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%}
        )) as "accepted_values({{ column }})",
    {%- endfor %}
    from {{ model }}
),
failing as (
    select rule, n from (unpivot counts on columns(*) into name rule value n) where n > 0
),
message as (
    select '{{ model.identifier }}: ' || string_agg(rule || ' failed on ' || n || ' rows', '; ' order by rule)
        as failure
    from failing
    having count(*) > 0
)
select failure from message where error(failure) is null
{% endtest %}
