-- One row per case: value, benchmark tier, fine rate and its position against tier and statute. Cases that
-- cannot be assessed keep their row with fine_status = 'excluded' and a reason (never a wrong number).
with base as (
    select
        c.case_id, c.province_code, c.unit_code, c.lead_officer_id, c.violation_code, c.case_status,
        c.discovered_date, c.decided_at, c.decided_date, c.fine_amount, c.illegal_amount as stated_amount,
        v.computed_amount, v.cartons_total, v.sticks_total, v.valuation_issue, v.issue_lines,
        v.value_basis, v.n_price_differences, v.n_outdated_prices, v.price_differences, v.stated_price_outliers,
        t.tier, t.tier_label, t.tier_min, t.tier_max, t.tier_default, t.tier_reason, t.tier_source_province,
        vt.rate_min as statutory_min, vt.rate_max as statutory_max,
        vt.fixed_amount_min, vt.fixed_amount_max,
        s.fine_rounding_tolerance, s.valuation_tolerance, s.valuation_typo_factor,
        coalesce(a.deviation_approval, false) as deviation_approval,
        c.decided_at is not null and c.case_status in ('decided', 'served', 'executed', 'closed') as is_decided
    from {{ ref('int_cases') }} as c
    left join {{ ref('int_case_valuation') }} as v on v.case_id = c.case_id
    left join {{ ref('int_case_tiers') }} as t on t.case_id = c.case_id
    left join {{ ref('ref_violation_types') }} as vt on vt.violation_code = c.violation_code
    left join {{ ref('int_case_settings') }} as s on s.case_id = c.case_id
    left join {{ ref('int_case_approvals') }} as a on a.case_id = c.case_id
),
assessed as (
    select
        *,
        case
            when valuation_issue is not null then valuation_issue
            when tier is null then 'NO_TIER'
            when is_decided and fine_amount is null then 'NO_FINE'
        end as reason_code
    from base
),
checked as (
    -- the stated amount against the value at the prices valid on the date: a ×factor slip (a digit too many
    -- or too few) first, then stated unit prices of another catalog period, then any other difference
    select
        *,
        stated_amount - computed_amount as valuation_difference,
        case
            when n_price_differences > 0 then true
            else abs(stated_amount - computed_amount) > coalesce(valuation_tolerance, 0)
        end as valuation_mismatch,
        case
            when abs(stated_amount - computed_amount) <= coalesce(valuation_tolerance, 0) then null
            when abs(stated_amount - computed_amount * valuation_typo_factor)
                     <= coalesce(valuation_tolerance, 0) * valuation_typo_factor
                or abs(stated_amount * valuation_typo_factor - computed_amount)
                     <= coalesce(valuation_tolerance, 0) * valuation_typo_factor then 'amount_typo'
            when n_outdated_prices > 0 then 'outdated_price'
            when n_price_differences > 0 then 'price_differs'
            when abs(stated_amount - computed_amount) > coalesce(valuation_tolerance, 0) then 'amount_differs'
        end as valuation_defect_kind,
        case
            when computed_amount is null then coalesce(valuation_issue, 'NOT_VALUED')
            when stated_amount is null and n_price_differences = 0 then 'NO_STATED_AMOUNT'
        end as valuation_check_reason
    from assessed
),
rated as (
    select
        *,
        case when reason_code is null and is_decided then fine_amount / computed_amount end as rate,
        -- a fine in whole yuan may have been rounded to the yuan (setting fine_rounding_tolerance); a fine
        -- written to the cent was not rounded, so only half a cent of slack remains
        case when fine_amount = round(fine_amount) then coalesce(fine_rounding_tolerance, 0) else 0.005 end
            / nullif(computed_amount, 0) as rate_tolerance
    from checked
)
select
    r.case_id,
    r.province_code,
    r.unit_code,
    r.lead_officer_id,
    r.violation_code,
    r.case_status,
    r.discovered_date,
    r.decided_at,
    cast(year(r.decided_date) as integer) as decided_year,
    r.computed_amount,
    r.stated_amount,
    r.valuation_mismatch,
    r.value_basis as valuation_basis,
    r.valuation_difference,
    r.valuation_defect_kind,
    r.valuation_check_reason,
    case when r.valuation_mismatch then
        '认定案值 ' || coalesce(printf('%.2f', r.stated_amount) || ' 元', '未填') || '，按发现日 ' || r.discovered_date
        || ' 有效价格核算 ' || coalesce(printf('%.2f', r.computed_amount) || ' 元', '无法计算')
        || coalesce('，差额 ' || printf('%+.2f', r.valuation_difference) || ' 元', '')
        || case r.valuation_defect_kind
               when 'amount_typo' then '（相差 ' || r.valuation_typo_factor::int || ' 倍，疑似笔误）'
               when 'outdated_price' then '（使用了过期价格）' else '' end
        || coalesce('；' || r.price_differences, '')
    end as valuation_evidence,
    r.stated_price_outliers,
    r.cartons_total,
    r.sticks_total,
    case when r.computed_amount > 0
         then cast(pow(10, floor(log10(r.computed_amount))) as bigint) end as amount_band,
    r.tier,
    r.tier_label,
    r.tier_reason,
    r.tier_source_province,
    r.fine_amount,
    r.rate,
    r.tier_min,
    r.tier_max,
    r.tier_default,
    r.statutory_min,
    r.statutory_max,
    coalesce(r.statutory_min * r.computed_amount, r.fixed_amount_min) as statutory_min_amount,
    coalesce(r.statutory_max * r.computed_amount, r.fixed_amount_max) as statutory_max_amount,
    r.rate between r.tier_min - r.rate_tolerance and r.tier_max + r.rate_tolerance as in_tier,
    case
        when r.rate is null then null
        when r.statutory_min is null then r.fine_amount between r.fixed_amount_min and r.fixed_amount_max
        else r.rate between r.statutory_min - r.rate_tolerance and r.statutory_max + r.rate_tolerance
    end as in_statutory_range,
    r.rate - r.tier_default as deviation,
    -- position inside the tier: −1 = tier minimum, 0 = midpoint, +1 = tier maximum
    (r.rate - (r.tier_min + r.tier_max) / 2) / nullif((r.tier_max - r.tier_min) / 2, 0) as tier_position,
    case when r.rate is null then null
         else not (r.rate between r.tier_min - r.rate_tolerance and r.tier_max + r.rate_tolerance)
              and r.deviation_approval end as deviation_approved,
    case when r.rate is null then null
         else not (r.rate between r.tier_min - r.rate_tolerance and r.tier_max + r.rate_tolerance)
              and not r.deviation_approval end as deviation_unapproved,
    case when r.rate is not null then 'ok'
         when r.reason_code is null then 'not_decided'
         else 'excluded' end as fine_status,
    r.reason_code,
    case when r.reason_code is not null
         then fr.reason_zh || coalesce('（' || r.issue_lines || '）', '') || ' / ' || fr.reason_en
              || coalesce(' (' || r.issue_lines || ')', '') end as reason
from rated as r
left join {{ ref('ref_fine_reasons') }} as fr on fr.reason_code = r.reason_code
