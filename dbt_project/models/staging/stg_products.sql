select
    product_code,
    brand,
    spec_name,
    manufacturer,
    pack_barcode,
    carton_barcode,
    case_barcode,
    coalesce(sticks_per_pack, {{ var('default_sticks_per_pack') }}) as sticks_per_pack,
    coalesce(packs_per_carton, {{ var('default_packs_per_carton') }}) as packs_per_carton,
    price_class,
    tar_mg,
    pack_form,
    status
from {{ source('raw', 'products') }}
