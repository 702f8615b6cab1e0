{# The typed columns of a training-effect estimate (zhifa.training_effect), shared by the per-course and
   the per-unit marts so the two cannot drift apart. #}
{% macro training_effect_columns(alias) %}
    cast({{ alias }}.n_trained as integer) as n_trained,
    cast({{ alias }}.n_comparison as integer) as n_comparison,
    cast({{ alias }}.pre_rate_trained as double) as pre_rate_trained,
    cast({{ alias }}.post_rate_trained as double) as post_rate_trained,
    cast({{ alias }}.pre_rate_comparison as double) as pre_rate_comparison,
    cast({{ alias }}.post_rate_comparison as double) as post_rate_comparison,
    cast({{ alias }}.estimate as double) as estimate,
    cast({{ alias }}.estimate_low as double) as estimate_low,
    cast({{ alias }}.estimate_high as double) as estimate_high,
    cast({{ alias }}.small_sample as boolean) as small_sample,
    cast({{ alias }}.conclusion as varchar) as conclusion
{%- endmacro %}
