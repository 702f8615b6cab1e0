-- The licence register on the day of each offence (as-of joins on the licence pseudonym): the status of the
-- licence a case records on its discovery date, and of the licence each sprayed carton was sold to on the
-- carton's sorting date (DOMAIN.md §5, §10). A licence is held on a day inside a version's
-- [valid_from, effective_to]; a day inside [valid_from, valid_to] after the cut is its suspension/cancellation.
with register as (
    select distinct licence_pseudonym from {{ ref('int_licence_versions') }}
),
case_licence as (
    select
        c.case_id,
        c.violation_code,
        c.discovered_date,
        case
            when r.licence_pseudonym is null then 'not_in_register'
            when v.licence_pseudonym is null then 'no_version'
            when c.discovered_date > v.effective_to then v.licence_status
            else 'valid'
        end as licence_status_on_offence,
        v.status_from
    from {{ ref('stg_cases') }} as c
    left join register as r on r.licence_pseudonym = c.licence_pseudonym
    left join {{ ref('int_licence_versions') }} as v
        on v.licence_pseudonym = c.licence_pseudonym
        and c.discovered_date between v.valid_from and v.valid_to
    where c.licence_pseudonym is not null
),
sprays as (
    select
        s.case_id,
        s.line_no,
        s.sorted_date,
        exists (select 1 from register as r where r.licence_pseudonym = s.spray_licence_pseudonym) as known,
        exists (select 1 from {{ ref('int_licence_versions') }} as v
                where v.licence_pseudonym = s.spray_licence_pseudonym
                  and s.sorted_date between v.valid_from and v.effective_to) as held,
        (select max_by(case when v.licence_status = 'cancelled' then '注销于 ' || v.status_from
                            when v.licence_status = 'suspended' then '暂停于 ' || v.status_from
                            else '有效期至 ' || v.valid_to end, v.valid_from)
         from {{ ref('int_licence_versions') }} as v
         where v.licence_pseudonym = s.spray_licence_pseudonym and v.valid_from <= s.sorted_date) as last_state
    from {{ ref('stg_case_item_sprays') }} as s
),
spray_cases as (
    select
        case_id,
        count(*) as spray_lines,
        count(*) filter (where known and not held) as spray_lines_unlicensed,
        string_agg(case when known and not held
                        then '#' || line_no || ' 分拣 ' || sorted_date || '，许可证 ' || coalesce(last_state, '尚未发证')
                   end, '；' order by line_no) as spray_detail
    from sprays
    group by case_id
)
select
    coalesce(c.case_id, s.case_id) as case_id,
    c.licence_status_on_offence,
    c.licence_status_on_offence = 'valid' as licence_valid_on_offence,
    -- UNLICENSED_RETAIL with a licence held that day, or another charge against a shop whose licence was
    -- suspended, cancelled or lapsed that day: the charge and the register disagree
    case
        when c.case_id is null or c.licence_status_on_offence = 'not_in_register' then null
        when c.violation_code = 'UNLICENSED_RETAIL' then c.licence_status_on_offence <> 'valid'
        else c.licence_status_on_offence = 'valid'
    end as licence_status_consistent,
    coalesce(s.spray_lines, 0) as spray_lines,
    coalesce(s.spray_lines_unlicensed, 0) as spray_lines_unlicensed,
    s.spray_detail
from case_licence as c
full outer join spray_cases as s on s.case_id = c.case_id
