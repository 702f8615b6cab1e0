-- Refusals by rule: one row per unit, month of decision and rule that refused (an application refused under
-- several rules counts once under each; refusal_rule is ';'-separated).
with rules as (
    select province_code, unit_code, decided_date, application_id,
           trim(unnest(string_split(refusal_rule, ';'))) as refusal_rule
    from {{ ref('int_licence_applications') }}
    where outcome = 'refused' and refusal_rule is not null
)
select
    province_code,
    unit_code,
    cast(date_trunc('month', decided_date) as date) as decided_month,
    refusal_rule,
    count(distinct application_id) as refusals
from rules
where refusal_rule <> ''
group by all
