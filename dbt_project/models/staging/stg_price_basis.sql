select province_code, price_type, valid_from, valid_to
from {{ source('raw', 'price_basis') }}
