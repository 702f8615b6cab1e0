-- Each seized line valued at the carton price valid on the seizure (discovery) date under the province's
-- price basis (generator/pricing.py): the product by product_code, else by its pack/carton/case
-- barcode; cartons from packs or sticks; a provincial list price before the national one; line value rounded
-- to cents with round-half-even (Python round(), which the reference implementation uses).
with items as (
    select i.*, c.province_code, c.discovered_date
    from {{ ref('stg_case_items') }} as i
    join {{ ref('int_cases') }} as c on c.case_id = i.case_id
),
barcodes as (
    -- a barcode naming two products is ambiguous: it resolves nothing
    select barcode, any_value(product_code) as product_code
    from (
        select pack_barcode as barcode, product_code from {{ ref('stg_products') }} where pack_barcode is not null
        union all
        select carton_barcode, product_code from {{ ref('stg_products') }} where carton_barcode is not null
        union all
        select case_barcode, product_code from {{ ref('stg_products') }} where case_barcode is not null
    )
    group by barcode
    having count(distinct product_code) = 1
),
basis as (
    select
        i.case_id,
        arg_max(b.price_type, {{ own_then_latest("b.province_code <> '" ~ var('national_code') ~ "'", 'b.valid_from') }}) as price_type
    from (select distinct case_id, province_code, discovered_date from items) as i
    join {{ ref('int_price_basis') }} as b
        on (b.province_code = i.province_code or b.province_code = '{{ var("national_code") }}')
        and (b.valid_from is null or b.valid_from <= i.discovered_date)
        and (b.valid_to is null or i.discovered_date <= b.valid_to)
    group by i.case_id
),
resolved as (
    select
        i.*,
        coalesce(p_code.product_code, p_bar.product_code) as resolved_product_code,
        bs.price_type
    from items as i
    left join {{ ref('stg_products') }} as p_code on p_code.product_code = i.product_code
    left join barcodes as b on b.barcode = i.barcode
    left join {{ ref('stg_products') }} as p_bar on p_bar.product_code = b.product_code
    left join basis as bs on bs.case_id = i.case_id
),
priced as (
    -- equality joins per scope (an OR on the province would defeat the hash join); province before national
    select
        r.case_id,
        r.line_no,
        coalesce(
            (select arg_max(p.price_per_carton, p.valid_from) from {{ ref('stg_prices') }} as p
             where p.product_code = r.resolved_product_code and p.price_type = r.price_type
               and p.province_code = r.province_code
               and p.valid_from <= r.discovered_date and (p.valid_to is null or r.discovered_date <= p.valid_to)),
            (select arg_max(p.price_per_carton, p.valid_from) from {{ ref('stg_prices') }} as p
             where p.product_code = r.resolved_product_code and p.price_type = r.price_type
               and p.province_code is null
               and p.valid_from <= r.discovered_date and (p.valid_to is null or r.discovered_date <= p.valid_to))
        ) as catalog_price
    from resolved as r
),
measured as (
    select
        r.*,
        pr.catalog_price,
        p.sticks_per_pack,
        p.packs_per_carton,
        case r.quantity_unit
            when 'carton' then r.quantity
            when 'pack' then r.quantity / p.packs_per_carton
            when 'stick' then r.quantity / (p.sticks_per_pack * p.packs_per_carton)
        end as cartons
    from resolved as r
    left join priced as pr on pr.case_id = r.case_id and pr.line_no = r.line_no
    left join {{ ref('stg_products') }} as p on p.product_code = r.resolved_product_code
)
select
    case_id,
    line_no,
    province_code,
    discovered_date,
    barcode,
    product_code,
    resolved_product_code,
    quantity,
    quantity_unit,
    unit_price as stated_unit_price,
    price_type,
    catalog_price,
    cartons,
    cartons * sticks_per_pack * packs_per_carton as sticks,
    case when quantity_unit = 'kg' then quantity end as kg,
    round_even(cartons * catalog_price, 2) as line_value,
    case
        when quantity is null then 'MISSING_QUANTITY'
        when resolved_product_code is null and quantity_unit <> 'kg' then 'UNKNOWN_PRODUCT'
        when quantity_unit = 'kg' then 'NOT_VALUED_BY_CATALOG'
        when price_type is null then 'NO_PRICE_BASIS'
        when catalog_price is null then 'MISSING_PRICE'
    end as issue_code
from measured
