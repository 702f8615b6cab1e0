{# Local (Asia/Shanghai) calendar date of a TIMESTAMPTZ, whatever the session time zone is. #}
{% macro local_date(ts) -%}
    cast(timezone('{{ var("local_timezone") }}', {{ ts }}) as date)
{%- endmacro %}

{# Local wall-clock TIMESTAMP of a TIMESTAMPTZ. #}
{% macro local_ts(ts) -%}
    timezone('{{ var("local_timezone") }}', {{ ts }})
{%- endmacro %}

{# Working days (Mon–Fri) after d_from up to and including d_to; public holidays are not modelled.
   g(x) = weekdays from Monday 1900-01-01 to x inclusive; the answer is g(d_to) − g(d_from). #}
{% macro working_days_between(d_from, d_to) -%}
    (case when {{ d_to }} <= {{ d_from }} then 0
          else {{ weekdays_since_epoch(d_to) }} - {{ weekdays_since_epoch(d_from) }} end)
{%- endmacro %}

{% macro weekdays_since_epoch(d) -%}
    (date_diff('day', date '1900-01-01', {{ d }}) // 7 * 5 + least(date_diff('day', date '1900-01-01', {{ d }}) % 7 + 1, 5))
{%- endmacro %}

{# Rank that makes a province's own reference row beat the national one, then the latest valid_from win. #}
{% macro own_then_latest(is_own, valid_from) -%}
    (case when {{ is_own }} then 1 else 0 end) * 100000
    + date_diff('day', date '1900-01-01', coalesce({{ valid_from }}, date '1900-01-01'))
{%- endmacro %}
