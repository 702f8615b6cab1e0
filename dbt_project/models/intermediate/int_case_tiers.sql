-- Benchmark tier of each case (CONTRACT.md, ReferenceData.select_tier): the tiers valid on the seizure date of
-- the case's province, or the national default when the province has none; the highest tier any of whose
-- criteria the case meets — amount band on the computed value, quantity band, prior offences. Bands are
-- min-inclusive, max-exclusive; a band with neither bound is no criterion.
with cases as (
    select
        c.case_id, c.province_code, c.violation_code, c.discovered_date,
        coalesce(c.prior_offences_3y, 0) as prior_offences,
        v.computed_amount, v.cartons_total, v.sticks_total, v.kg_total
    from {{ ref('int_cases') }} as c
    left join {{ ref('int_case_valuation') }} as v on v.case_id = c.case_id
),
valid as (
    select c.*, t.province_code as tier_province, t.tier, t.tier_label, t.amount_min, t.amount_max,
           t.quantity_min, t.quantity_max, t.quantity_unit, t.min_prior_offences,
           t.rate_min, t.rate_max, t.rate_default
    from cases as c
    join {{ ref('int_discretion_tiers') }} as t
        on t.violation_code = c.violation_code
        and (t.province_code = c.province_code or t.province_code = '{{ var("national_code") }}')
        and (t.valid_from is null or t.valid_from <= c.discovered_date)
        and (t.valid_to is null or c.discovered_date <= t.valid_to)
),
scoped as (
    select *, bool_or(tier_province = province_code) over (partition by case_id) as has_own
    from valid
),
tested as (
    select
        *,
        (amount_min is not null or amount_max is not null) and computed_amount is not null
            and (amount_min is null or computed_amount >= amount_min)
            and (amount_max is null or computed_amount < amount_max) as amount_hit,
        case quantity_unit when 'carton' then cartons_total when 'stick' then sticks_total
                           when 'kg' then kg_total end as quantity_value
    from scoped
    where (tier_province = province_code) = has_own
),
matched as (
    select
        *,
        (quantity_min is not null or quantity_max is not null) and quantity_value is not null
            and (quantity_min is null or quantity_value >= quantity_min)
            and (quantity_max is null or quantity_value < quantity_max) as quantity_hit,
        min_prior_offences is not null and prior_offences >= min_prior_offences as prior_hit
    from tested
)
select
    case_id,
    max(tier) as tier,
    arg_max(tier_label, tier) as tier_label,
    arg_max(rate_min, tier) as tier_min,
    arg_max(rate_max, tier) as tier_max,
    arg_max(rate_default, tier) as tier_default,
    arg_max(tier_province, tier) as tier_source_province,
    arg_max(
        concat_ws('；',
            case when amount_hit then '案值 ' || printf('%.2f', computed_amount) || ' 元' end,
            case when quantity_hit then '数量 ' || printf('%.2f', quantity_value) || ' ' || quantity_unit end,
            case when prior_hit then '3年内违法 ' || prior_offences || ' 次' end),
        tier) as tier_reason
from matched
where amount_hit or quantity_hit or prior_hit
group by case_id
