{#- Metres between two WGS-84 points (degrees): the haversine great-circle distance with the IUGG mean
    radius, the same formula as zhifa/licensing/geo.haversine_m (parity: tests/test_layout_density.py). -#}
{% macro haversine_m(lat1, lon1, lat2, lon2) -%}
(2 * 6371008.8 * asin(least(1.0, sqrt(
    power(sin(radians(({{ lat2 }}) - ({{ lat1 }})) / 2), 2)
    + cos(radians({{ lat1 }})) * cos(radians({{ lat2 }})) * power(sin(radians(({{ lon2 }}) - ({{ lon1 }})) / 2), 2)
))))
{%- endmacro %}
