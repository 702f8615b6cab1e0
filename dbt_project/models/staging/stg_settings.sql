-- bureau values are numbers in the contract; the seed keeps text (some keys are words or patterns)
select
    nullif(trim(province_code), '') as province_code,
    key,
    regexp_replace(cast(value as varchar), '\.0$', '') as value,
    valid_from
from {{ source('raw', 'settings') }}
