select
    product_code,
    province_code,  -- null = national list price
    price_type,
    price_per_carton,
    valid_from,
    valid_to
from {{ source('raw', 'prices') }}
