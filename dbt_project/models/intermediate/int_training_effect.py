"""Per course, the difference-in-differences of the deduction rate on its rules, trained officers against a
comparison group of untrained officers with similar pre-rates: zhifa.training_effect.effect_from_panel over
int_training_effect_panel, with the settings training_effect_min_group, _caliper and _boot (national rows)."""

from zhifa.training_effect import effect_from_panel


def model(dbt, session):
    dbt.config(materialized="table")
    return effect_from_panel(dbt.ref("int_training_effect_panel").df(), ("course_id",))
