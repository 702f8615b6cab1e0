-- One row per case: machine review score and grade (deductions from fct_rule_results, veto items), the human
-- review consensus, and the final result: an arbitration review if there is one, else the mean of the human
-- reviews, else the machine review.
with machine as (
    select
        case_id,
        sum(deducted_points) as deducted,
        bool_or(veto) as veto,
        cast(count(*) filter (where passed = false) as integer) as n_failed_rules,
        cast(count(*) filter (where passed is null) as integer) as n_not_checked
    from {{ ref('fct_rule_results') }}
    group by case_id
),
human as (
    select
        case_id,
        cast(count(*) as integer) as n_human_reviews,
        avg(total_score) as mean_score,
        arg_max(total_score, submitted_at) filter (where mode = 'arbitration') as arbitration_score
    from {{ ref('stg_reviews') }}
    where mode <> 'machine'
    group by case_id
),
scored as (
    select
        c.case_id,
        c.unit_code,
        c.province_code,
        s.review_total_points,
        s.grade_excellent_min,
        s.grade_pass_min,
        m.case_id is not null as machine_reviewed,
        greatest(s.review_total_points - coalesce(m.deducted, 0), 0) as machine_score,
        coalesce(m.veto, false) as veto,
        coalesce(m.n_failed_rules, 0) as n_failed_rules,
        coalesce(m.n_not_checked, 0) as n_not_checked,
        coalesce(h.n_human_reviews, 0) as n_human_reviews,
        coalesce(h.arbitration_score, h.mean_score) as human_score
    from {{ ref('int_cases') }} as c
    left join {{ ref('int_case_settings') }} as s on s.case_id = c.case_id
    left join machine as m on m.case_id = c.case_id
    left join human as h on h.case_id = c.case_id
)
select
    case_id,
    unit_code,
    province_code,
    case when machine_reviewed then machine_score end as machine_score,
    case when machine_reviewed
         then {{ dossier_grade('machine_score', 'veto', 'grade_excellent_min', 'grade_pass_min') }} end
        as machine_grade,
    veto,
    n_failed_rules,
    n_not_checked,
    n_human_reviews,
    human_score,
    case when human_score is not null
         then {{ dossier_grade('human_score', 'false', 'grade_excellent_min', 'grade_pass_min') }} end
        as human_grade,
    coalesce(human_score, case when machine_reviewed then machine_score end) as final_score,
    -- a veto fails the machine's grade only: human reviewers weigh it in their own score
    case when human_score is not null or machine_reviewed
         then {{ dossier_grade('coalesce(human_score, machine_score)', 'human_score is null and veto',
                               'grade_excellent_min', 'grade_pass_min') }} end
        as final_grade,
    case when human_score is not null then 'human' when machine_reviewed then 'machine' end as final_source
from scored
