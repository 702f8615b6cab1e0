-- 执法考评: a role's component weights must sum to 100, and each scale must point the way its direction
-- says — the same checks as zhifa.scorecard.check_components (the pipeline runs that one before dbt, with
-- the message a person reads); a failing row here stops every scorecard model downstream of the seed.
select role, null as component,
       '考评权重合计须为100 / weights must sum to 100: ' || role || ' = ' || sum(weight) as problem
from {{ ref('ref_scorecard_components') }}
group by role
having abs(sum(weight) - 100) > 1e-9
union all
select role, component, '考评方向与刻度不符 / direction does not match worst → best: ' || role || '.' || component
from {{ ref('ref_scorecard_components') }}
where weight < 0 or worst = best
   or (direction = 'higher_better' and best < worst)
   or (direction = 'lower_better' and best > worst)
union all
select role, component, '考评指标重复 / duplicate component: ' || role || '.' || component
from {{ ref('ref_scorecard_components') }}
group by role, component
having count(*) > 1
