select
    case_id,
    line_no,
    barcode,
    product_code,
    spec_name_raw,
    quantity,
    coalesce(quantity_unit, 'carton') as quantity_unit,  -- CONTRACT.md default
    unit_price,
    authenticity,
    spray_code is not null as has_spray_code
from {{ source('raw', 'case_items') }}
