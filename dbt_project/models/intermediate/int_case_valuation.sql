-- Case value = Σ line values (round-half-even to cents), only when every line could be valued; otherwise
-- null with the first problem as reason (never a partial sum).
with lines as (
    select
        v.*,
        r.priority
    from {{ ref('int_case_item_values') }} as v
    left join {{ ref('ref_fine_reasons') }} as r on r.reason_code = v.issue_code
),
per_case as (
    select
        case_id,
        count(*) as n_lines,
        count(issue_code) as n_problem_lines,
        sum(line_value) as line_value_sum,
        sum(cartons) as cartons_total,
        sum(sticks) as sticks_total,
        sum(kg) as kg_total,
        arg_min(issue_code, priority) filter (where issue_code is not null) as issue_code,
        string_agg(
            case when issue_code is not null
                 then '#' || line_no || ' ' || coalesce(resolved_product_code, product_code, barcode, '?') end,
            ', ' order by line_no) as issue_lines,
        bool_and(stated_unit_price is not null and catalog_price is not null
                 and abs(stated_unit_price - catalog_price) < 0.005) as prices_match_catalog,
        sum(round_even(cartons * stated_unit_price, 2)) as stated_line_sum
    from lines
    group by case_id
)
select
    c.case_id,
    coalesce(p.n_lines, 0) as n_lines,
    case when c.province_code is not null and p.n_lines > 0 and p.n_problem_lines = 0
         then round_even(p.line_value_sum, 2) end as computed_amount,
    case when p.n_problem_lines = 0 then p.cartons_total end as cartons_total,
    case when p.n_problem_lines = 0 then p.sticks_total end as sticks_total,
    p.kg_total,
    p.prices_match_catalog,
    round_even(p.stated_line_sum, 2) as stated_line_sum,
    case
        when c.province_code is null then 'NO_PROVINCE'
        when coalesce(p.n_lines, 0) = 0 then 'NO_ITEMS'
        when p.issue_code is not null then p.issue_code
        when round_even(p.line_value_sum, 2) = 0 then 'ZERO_AMOUNT'
    end as valuation_issue,
    p.issue_lines
from {{ ref('int_cases') }} as c
left join per_case as p on p.case_id = c.case_id
