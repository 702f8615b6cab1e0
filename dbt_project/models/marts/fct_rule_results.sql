-- One row per (case, machine-checkable rule): passed (NULL = the rule does not apply or a fact needed is
-- unknown: "not checked", with unknown_facts naming them), points deducted, veto, and — where the rule
-- failed — the evidence found.
select
    cast(r.case_id as varchar) as case_id,
    cast(r.rule_id as varchar) as rule_id,
    q.category,
    q.name_zh as rule_name,
    cast(r.passed as boolean) as passed,
    -- the API's words: a rule that does not apply is not checked too; unknown_facts says when a fact was missing
    case when r.outcome in ('passed', 'failed') then r.outcome else 'not_checked' end as outcome,
    cast(r.unknown_facts as varchar) as unknown_facts,
    cast(r.deducted_points as double) as deducted_points,
    cast(r.veto as boolean) as veto,
    q.veto as veto_rule,
    q.needs_human,
    -- the sentence is written where a rule failed (what a reviewer must see); passed and not-checked rows keep
    -- their facts in int_dossier_facts — rendering 57 sentences per dossier would dominate the build
    case when r.passed = false
         then cast({{ render_evidence(ref('int_review_rules'), ref('int_dossier_facts'), 'r', 'f') }} as varchar)
    end as evidence
from {{ ref('int_rule_results') }} as r
join {{ ref('int_review_rules') }} as q on q.rule_id = r.rule_id
left join {{ ref('int_dossier_facts') }} as f on f.case_id = r.case_id and r.passed = false
