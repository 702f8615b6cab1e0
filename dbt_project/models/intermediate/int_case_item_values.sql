-- Each seized line valued on the seizure (discovery) date, with the basis recorded (docs/metrics.md §Valuation):
-- `catalog` — a catalog product (by product_code, else pack/carton/case barcode) at the carton price of the
-- province's price basis valid that day, a provincial row before the national one, valid_to inclusive;
-- cartons from packs or sticks. `stated` / `appraised` — goods the catalog does not price (leaf in kg, paper,
-- filter rods, machinery: no catalog product, or a kg line) at the unit price of the valuation table (核价表),
-- `appraised` when the case holds an appraisal notice (价格鉴定/鉴定结论告知书), per the line's own unit.
-- Line value rounded to cents half-even (Python round(), the reference implementation's rule). A line that
-- cannot be valued keeps issue_code; a price check that cannot be made keeps price_check_reason.
with items as (
    select i.*, c.province_code, c.discovered_date, ap.case_id is not null as has_appraisal
    from {{ ref('stg_case_items') }} as i
    join {{ ref('int_cases') }} as c on c.case_id = i.case_id
    left join (
        select distinct case_id from {{ ref('int_case_documents') }} where doc_type = 'appraisal_notice'
    ) as ap on ap.case_id = i.case_id
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
catalog_rows as (
    -- equality joins per scope (an OR on the province would defeat the hash join); rank 0 = the province
    select r.case_id, r.line_no, r.discovered_date, r.unit_price, 0 as scope_rank,
           p.province_code, p.price_per_carton, p.valid_from, p.valid_to
    from resolved as r
    join {{ ref('stg_prices') }} as p
        on p.product_code = r.resolved_product_code and p.price_type = r.price_type
        and p.province_code = r.province_code
    union all
    select r.case_id, r.line_no, r.discovered_date, r.unit_price, 1 as scope_rank,
           p.province_code, p.price_per_carton, p.valid_from, p.valid_to
    from resolved as r
    join {{ ref('stg_prices') }} as p
        on p.product_code = r.resolved_product_code and p.price_type = r.price_type
        and p.province_code is null
),
priced as (
    select case_id, line_no, price_per_carton as catalog_price, valid_from as catalog_valid_from,
           valid_to as catalog_valid_to, coalesce(province_code, '{{ var("national_code") }}') as catalog_scope
    from catalog_rows
    where valid_from <= discovered_date and (valid_to is null or discovered_date <= valid_to)
    qualify row_number() over (partition by case_id, line_no order by scope_rank, valid_from desc) = 1
),
stated_period as (
    -- the catalog period a stated unit price belongs to, when it is not the one valid on the date: the
    -- latest such period starting on or before the date (an outdated price), else the nearest later one
    select case_id, line_no, valid_from as stated_valid_from, valid_to as stated_valid_to
    from catalog_rows
    where abs(price_per_carton - unit_price) < 0.005
        and not (valid_from <= discovered_date and (valid_to is null or discovered_date <= valid_to))
    qualify row_number() over (
        partition by case_id, line_no
        order by valid_from <= discovered_date desc, abs(date_diff('day', valid_from, discovered_date)), scope_rank
    ) = 1
),
reference as (
    -- goods without a catalog price: the reference price of their kind (keyword in the spec name)
    select r.case_id, r.line_no, rp.goods_kind, rp.name_zh as goods_name, rp.reference_price
    from resolved as r
    join {{ ref('ref_reference_prices') }} as rp
        on (rp.province_code = r.province_code or rp.province_code = '{{ var("national_code") }}')
        and (rp.quantity_unit is null or rp.quantity_unit = r.quantity_unit)
        and (rp.valid_from is null or rp.valid_from <= r.discovered_date)
        and (rp.valid_to is null or r.discovered_date <= rp.valid_to)
        and len(list_filter(string_split(rp.keywords, ';'),
                            lambda k: trim(k) <> '' and contains(coalesce(r.spec_name_raw, ''), trim(k)))) > 0
    qualify row_number() over (
        partition by r.case_id, r.line_no
        order by rp.province_code = r.province_code desc, rp.valid_from desc nulls last, rp.goods_kind
    ) = 1
),
measured as (
    select
        r.*,
        pr.catalog_price,
        pr.catalog_valid_from,
        pr.catalog_valid_to,
        pr.catalog_scope,
        sp.stated_valid_from,
        sp.stated_valid_to,
        rf.goods_kind,
        rf.goods_name,
        rf.reference_price,
        p.sticks_per_pack,
        p.packs_per_carton,
        case
            when pr.catalog_price is not null and r.quantity_unit <> 'kg' then 'catalog'
            when (r.resolved_product_code is null or r.quantity_unit = 'kg') and r.unit_price is not null
                then case when r.has_appraisal then 'appraised' else 'stated' end
        end as value_basis
    from resolved as r
    left join priced as pr on pr.case_id = r.case_id and pr.line_no = r.line_no
    left join stated_period as sp on sp.case_id = r.case_id and sp.line_no = r.line_no
    left join reference as rf on rf.case_id = r.case_id and rf.line_no = r.line_no
    left join {{ ref('stg_products') }} as p on p.product_code = r.resolved_product_code
),
counted as (
    select
        *,
        case when coalesce(value_basis, '') not in ('stated', 'appraised') then
            case quantity_unit
                when 'carton' then quantity
                when 'pack' then quantity / packs_per_carton
                when 'stick' then quantity / (sticks_per_pack * packs_per_carton)
            end
        end as cartons
    from measured
)
select
    case_id,
    line_no,
    province_code,
    discovered_date,
    barcode,
    product_code,
    resolved_product_code,
    spec_name_raw,
    quantity,
    quantity_unit,
    unit_price as stated_unit_price,
    price_type,
    catalog_price,
    catalog_valid_from,
    catalog_valid_to,
    catalog_scope,
    value_basis,
    case value_basis when 'catalog' then catalog_price when 'stated' then unit_price
                     when 'appraised' then unit_price end as valued_unit_price,
    cartons,
    cartons * sticks_per_pack * packs_per_carton as sticks,
    case when quantity_unit = 'kg' then quantity end as kg,
    case value_basis
        when 'catalog' then round_even(cartons * catalog_price, 2)
        when 'stated' then round_even(quantity * unit_price, 2)
        when 'appraised' then round_even(quantity * unit_price, 2)
    end as line_value,
    -- catalog lines: does the stated unit price equal the price valid on the date, and if not, whose is it
    case when value_basis = 'catalog' and unit_price is not null
         then abs(unit_price - catalog_price) >= 0.005 end as price_differs,
    stated_valid_from,
    stated_valid_to,
    goods_kind,
    goods_name,
    reference_price,
    case when value_basis = 'stated' and reference_price > 0 then unit_price / reference_price end as reference_ratio,
    case
        when value_basis = 'catalog' and unit_price is null then 'NO_STATED_PRICE'
        when value_basis = 'stated' and reference_price is null then 'NO_REFERENCE_PRICE'
        when value_basis is null then 'NOT_VALUED'
    end as price_check_reason,
    case
        when quantity is null then 'MISSING_QUANTITY'
        when value_basis is not null then null
        when resolved_product_code is null and quantity_unit <> 'kg' then 'UNKNOWN_PRODUCT'
        when quantity_unit = 'kg' then 'NOT_VALUED_BY_CATALOG'
        when price_type is null then 'NO_PRICE_BASIS'
        when catalog_price is null then 'MISSING_PRICE'
    end as issue_code
from counted
