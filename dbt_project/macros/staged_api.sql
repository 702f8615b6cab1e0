{#- A raw.api_* table (API-store review work, declared in ingestion/api_store/tables.py and created empty
    with the warehouse, so the source always exists) without its load columns: the typed columns as stored. -#}
{% macro staged_api(name) -%}
select * exclude (_load_id, _source_file, _line_no, _loaded_at)
from {{ source('raw', name) }}
{%- endmacro %}
