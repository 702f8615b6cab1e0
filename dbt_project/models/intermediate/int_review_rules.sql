-- The review rules in force: ref_review_rules overlaid by the newest rule set saved through the API (the same
-- merge as api.review.services.rule_sets). Without any API rule set every seed rule is in force as version 1. With
-- one, exactly its rules are: the version it names, taken from the API's rule versions, or — version 1 of a
-- built-in rule never re-saved — from the seed. A rule the API switched off is absent; a new API rule appears.
with latest as (
    select version, rule_versions
    from {{ ref('stg_api_review_rule_sets') }}
    order by version desc
    limit 1
),
wanted as (
    select
        k as rule_id,
        cast(json_extract_string(l.rule_versions, '$."' || k || '"') as integer) as rule_version,
        l.version as rule_set_version
    from latest as l, unnest(json_keys(l.rule_versions)) as t(k)
),
seed as (
    select
        cast(rule_id as varchar) as rule_id, 1 as rule_version, cast(category as varchar) as category,
        cast(name_zh as varchar) as name_zh, cast(description_zh as varchar) as description_zh,
        cast(deduct_points as double) as deduct_points, cast(veto as boolean) as veto,
        cast(legal_basis as varchar) as legal_basis, cast(needs_human as boolean) as needs_human,
        cast(condition as varchar) as condition, cast(evidence_template_zh as varchar) as evidence_template_zh,
        'reference' as origin
    from {{ ref('ref_review_rules') }}
),
api as (
    select
        rule_id, version as rule_version, category, name_zh, description_zh, deduct_points, veto, legal_basis,
        needs_human, condition, evidence_template_zh, origin
    from {{ ref('stg_api_review_rules') }}
),
chosen as (
    -- an API row wins over the seed row of the same (rule, version)
    select a.*, w.rule_set_version from wanted as w join api as a using (rule_id, rule_version)
    union all
    select s.*, w.rule_set_version
    from wanted as w
    join seed as s using (rule_id, rule_version)
    where not exists (
        select 1 from api as a where a.rule_id = w.rule_id and a.rule_version = w.rule_version
    )
)
select * from chosen
union all
select s.*, 0 as rule_set_version from seed as s where not exists (select 1 from latest)
