-- The catalogue of major enforcement decisions (重大执法决定法制审核目录, ref_major_decisions) applied to each
-- case: one row per entry the case matches — the rule of zhifa/major_decisions.py, which the API applies
-- before a decision (tests/test_major_decisions.py runs both over the same cases). Entries in force on the
-- discovery date; a province's row replaces the national row of the same code; an amount criterion matches
-- at the setting's amount itself. The goods' value is the value at the valid prices, else the stated amount.
-- `marked_complex` (the handler's mark) is not in the bulk contract: the COMPLEX entry never matches here.
with facts as (
    select
        x.case_id, x.province_code, x.discovered_date, x.fine_amount,
        coalesce(x.base_amount, c.illegal_amount) as goods_value,
        coalesce(x.hearing_held, false) as hearing_held,
        false as marked_complex,
        c.case_status = 'transferred' as transferring
    from {{ ref('int_dossier_facts') }} as x
    join {{ ref('int_cases') }} as c on c.case_id = x.case_id
),
in_force as (
    select
        f.*, m.catalogue_code, m.criterion, m.threshold_setting, m.collective_discussion, m.reviewer_level,
        m.name_zh, m.legal_basis
    from facts as f
    join {{ ref('ref_major_decisions') }} as m
        on (m.province_code is null or m.province_code = f.province_code)
        and m.valid_from <= f.discovered_date and (m.valid_to is null or f.discovered_date <= m.valid_to)
    qualify row_number() over (
        partition by f.case_id, m.catalogue_code order by (m.province_code is not null) desc, m.valid_from desc
    ) = 1
),
thresholds as (
    select e.*, try_cast(s.value as decimal(18, 2)) as threshold
    from in_force as e
    left join {{ ref('int_settings_versions') }} as s
        on s.province_code = e.province_code and s.key = e.threshold_setting
        and e.discovered_date >= s.version_start and e.discovered_date < s.version_end
)
select case_id, catalogue_code, name_zh, legal_basis, collective_discussion, reviewer_level, threshold
from thresholds
where case criterion
    when 'fine_at_least' then fine_amount >= threshold
    when 'goods_value_at_least' then goods_value >= threshold
    when 'hearing_held' then hearing_held
    when 'marked_complex' then marked_complex
    when 'transferring' then transferring
end
