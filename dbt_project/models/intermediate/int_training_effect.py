"""Per course, the difference-in-differences of the deduction rate on its rules, trained officers against a
comparison group of untrained officers with similar pre-rates: zhifa.training_effect.effect_by_course over
int_training_effect_panel, with the settings training_effect_min_group, _caliper and _boot (national rows)."""

import pandas as pd

from zhifa.training_effect import RESULT_COLUMNS, EffectSettings, effect_by_course


def model(dbt, session):
    dbt.config(materialized="table")
    panel = dbt.ref("int_training_effect_panel").df()
    if panel.empty:
        # no course completed yet: the empty table with the columns' types
        types = {
            "course_id": "str",
            "small_sample": "bool",
            "conclusion": "str",
            "n_trained": "int64",
            "n_comparison": "int64",
        }
        return pd.DataFrame(
            {c: pd.Series(dtype=types.get(c, "float")) for c in ["course_id", *RESULT_COLUMNS]}
        )
    first = panel.iloc[0]
    settings = EffectSettings(
        min_group=int(first["min_group"]), caliper=float(first["caliper"]), n_boot=int(first["n_boot"])
    )
    return effect_by_course(panel, settings)
