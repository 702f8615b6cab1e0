-- int_training_effect_panel once per unit above (and including) each officer's unit: a unit's rows are the
-- officers of its subtree, trained and comparison alike, so its estimate (int_training_effect_units) uses
-- nothing from outside the unit and row-level security by unit shows each user their own subtree's effect.
-- The reference date stays the panel's (own completion; else the course's national median completion).
-- Only unit × course pairs with a trained officer are kept (elsewhere there is nothing to estimate).
select a.ancestor_code as unit_code, p.*
from {{ ref('int_training_effect_panel') }} as p
join {{ ref('stg_officers') }} as o on o.officer_id = p.officer_id
join {{ ref('int_unit_ancestors') }} as a on a.unit_code = o.unit_code
qualify bool_or(p.trained) over (partition by a.ancestor_code, p.course_id)
