select
    unit_code,
    name as unit_name,
    level,
    parent_code,
    abbreviation
from {{ source('raw', 'units') }}
