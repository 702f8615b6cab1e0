-- raw.api_rectifications, extracted from the API store (ingestion/api_store/); officer_ids as a list
{{ config(materialized='table') }}
select
    * exclude (officer_ids, _load_id, _source_file, _line_no, _loaded_at),
    coalesce(cast(from_json(officer_ids, '["VARCHAR"]') as varchar[]), []::varchar[]) as officer_ids
from {{ source('raw', 'api_rectifications') }}
