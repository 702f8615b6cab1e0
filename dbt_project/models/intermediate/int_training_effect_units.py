"""Per unit subtree and course, the same difference-in-differences as int_training_effect
(zhifa.training_effect.effect_from_panel) over int_training_effect_unit_panel: the officers of the unit and
the units below it only, trained and comparison alike, so that a row shows nothing from outside its unit."""

from zhifa.training_effect import effect_from_panel


def model(dbt, session):
    dbt.config(materialized="table")
    return effect_from_panel(dbt.ref("int_training_effect_unit_panel").df(), ("unit_code", "course_id"))
