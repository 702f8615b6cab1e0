-- One row per (case, machine-checkable rule): passed (NULL = the rule does not apply or a fact needed is
-- unknown: "not checked"), points deducted, veto, and the evidence found.
select
    r.case_id,
    r.rule_id,
    q.category,
    q.name_zh as rule_name,
    r.passed,
    case when r.passed is null then 'not_checked' when r.passed then 'passed' else 'failed' end as outcome,
    r.deducted_points,
    r.veto,
    q.veto as veto_rule,
    q.needs_human,
    r.evidence
from {{ ref('int_rule_results') }} as r
join {{ ref('ref_review_rules') }} as q on q.rule_id = r.rule_id
