{# Local (Asia/Shanghai) calendar date of a TIMESTAMPTZ, whatever the session time zone is. #}
{% macro local_date(ts) -%}
    cast(timezone('{{ var("local_timezone") }}', {{ ts }}) as date)
{%- endmacro %}

{# Local wall-clock TIMESTAMP of a TIMESTAMPTZ. #}
{% macro local_ts(ts) -%}
    timezone('{{ var("local_timezone") }}', {{ ts }})
{%- endmacro %}

{# Working days after d_from up to and including d_to (0 when d_to <= d_from, null when either is null), on the
   working-day calendar of int_working_days (weekends + ref_holidays; zhifa/calendar.py is the same rule). #}
{% macro working_days_between(d_from, d_to) -%}
    (case when {{ d_to }} <= {{ d_from }} then 0
          else (select w.working_day_no from {{ ref('int_working_days') }} as w where w.calendar_date = {{ d_to }})
             - (select w.working_day_no from {{ ref('int_working_days') }} as w where w.calendar_date = {{ d_from }}) end)
{%- endmacro %}

{# The n-th working day after d (n >= 0; n = 0 gives d): the last day of a deadline of n working days. #}
{% macro add_working_days(d, n) -%}
    (select min(w.calendar_date) from {{ ref('int_working_days') }} as w
     where w.calendar_date >= {{ d }} and (w.is_working_day or {{ n }} = 0)
       and w.working_day_no = (select v.working_day_no from {{ ref('int_working_days') }} as v
                               where v.calendar_date = {{ d }}) + {{ n }})
{%- endmacro %}

{# Rank that makes a province's own reference row beat the national one, then the latest valid_from win. #}
{% macro own_then_latest(is_own, valid_from) -%}
    (case when {{ is_own }} then 1 else 0 end) * 100000
    + date_diff('day', date '1900-01-01', coalesce({{ valid_from }}, date '1900-01-01'))
{%- endmacro %}
