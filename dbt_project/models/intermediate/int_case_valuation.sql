-- Case value = Σ line values (round-half-even to cents), only when every line could be valued; otherwise
-- null with the first problem as reason (never a partial sum). Also the evidence the valuation checks show:
-- stated unit prices that are not the catalog price valid on the date (and the period they belong to), and
-- stated prices of non-catalog goods far from their reference price (setting stated_price_ratio_max).
with lines as (
    select
        v.*,
        r.priority,
        s.stated_price_ratio_max as ratio_max
    from {{ ref('int_case_item_values') }} as v
    left join {{ ref('ref_fine_reasons') }} as r on r.reason_code = v.issue_code
    left join {{ ref('int_case_settings') }} as s on s.case_id = v.case_id
),
flagged as (
    select
        *,
        reference_ratio > ratio_max or reference_ratio < 1 / ratio_max as far_from_reference
    from lines
),
per_case as (
    select
        case_id,
        count(*) as n_lines,
        count(issue_code) as n_problem_lines,
        count(*) filter (where value_basis = 'stated') as n_stated_lines,
        count(*) filter (where value_basis = 'appraised') as n_appraised_lines,
        case when count(distinct value_basis) = 1 and count(value_basis) = count(*) then any_value(value_basis)
             when count(distinct value_basis) > 1 then 'mixed' end as value_basis,
        sum(line_value) as line_value_sum,
        sum(cartons) as cartons_total,
        sum(sticks) as sticks_total,
        sum(kg) as kg_total,
        arg_min(issue_code, priority) filter (where issue_code is not null) as issue_code,
        string_agg(
            case when issue_code is not null
                 then '#' || line_no || ' ' || coalesce(resolved_product_code, product_code, barcode, '?') end,
            ', ' order by line_no) as issue_lines,
        -- catalog lines only: goods valued otherwise have no catalog price to match
        bool_and(stated_unit_price is not null and not price_differs) filter (where value_basis = 'catalog')
            as prices_match_catalog,
        sum(round_even(coalesce(cartons, quantity) * stated_unit_price, 2)) as stated_line_sum,
        count(*) filter (where price_differs) as n_price_differences,
        count(*) filter (where price_differs and stated_valid_from <= discovered_date) as n_outdated_prices,
        string_agg(
            case when price_differs then
                '#' || line_no || ' 单价 ' || printf('%.2f', stated_unit_price) || ' 元'
                || coalesce('（' || stated_valid_from || '–' || coalesce(stated_valid_to::varchar, '') || ' 期间价格）', '')
                || '，发现日 ' || discovered_date || ' 有效价格 ' || printf('%.2f', catalog_price) || ' 元（'
                || catalog_scope || ' ' || catalog_valid_from || '–' || coalesce(catalog_valid_to::varchar, '')
                || '）' end,
            '；' order by line_no) as price_differences,
        string_agg(
            case when far_from_reference then
                '#' || line_no || ' ' || goods_name || ' 单价 ' || printf('%.2f', stated_unit_price) || ' 元/'
                || quantity_unit || '，参考价 ' || printf('%.2f', reference_price) || ' 元（'
                || printf('%.2f', reference_ratio) || ' 倍）' end,
            '；' order by line_no) as stated_price_outliers
    from flagged
    group by case_id
)
select
    c.case_id,
    coalesce(p.n_lines, 0) as n_lines,
    case when c.province_code is not null and p.n_lines > 0 and p.n_problem_lines = 0
         then round_even(p.line_value_sum, 2) end as computed_amount,
    case when p.n_problem_lines = 0 then p.value_basis end as value_basis,
    p.n_stated_lines,
    p.n_appraised_lines,
    case when p.n_problem_lines = 0 then p.cartons_total end as cartons_total,
    case when p.n_problem_lines = 0 then p.sticks_total end as sticks_total,
    p.kg_total,
    p.prices_match_catalog,
    round_even(p.stated_line_sum, 2) as stated_line_sum,
    coalesce(p.n_price_differences, 0) as n_price_differences,
    coalesce(p.n_outdated_prices, 0) as n_outdated_prices,
    p.price_differences,
    p.stated_price_outliers,
    case
        when c.province_code is null then 'NO_PROVINCE'
        when coalesce(p.n_lines, 0) = 0 then 'NO_ITEMS'
        when p.issue_code is not null then p.issue_code
        when round_even(p.line_value_sum, 2) = 0 then 'ZERO_AMOUNT'
    end as valuation_issue,
    p.issue_lines
from {{ ref('int_cases') }} as c
left join per_case as p on p.case_id = c.case_id
