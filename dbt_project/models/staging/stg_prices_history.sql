-- Every catalog price version ever loaded (raw.prices_history, kept by the loader): the price history the
-- valuation can be audited against, also for rows a later export replaced in raw.prices.
select
    product_code,
    province_code,
    price_type,
    price_per_carton,
    valid_from,
    valid_to,
    exported_at,
    _load_id as load_id
from {{ source('raw', 'prices_history') }}
