"""The project clock: one time zone for Python and dbt, and local dates independent of the machine's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
import yaml

from zhifa import clock
from zhifa.settings import DBT_PROJECT_DIR


def test_dbt_uses_the_project_time_zone() -> None:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["vars"]["local_timezone"] == clock.LOCAL_TIMEZONE
    models = next(iter(project["models"].values()))
    assert models["staging"]["+local_timezone"] == clock.LOCAL_TIMEZONE


def test_today_is_the_shanghai_date_whatever_the_machine_zone() -> None:
    # 16:00 UTC is midnight in Shanghai: the UTC date is still the 5th, the bureaus' is the 6th
    with time_machine.travel(datetime(2026, 12, 5, 16, 0, 1, tzinfo=UTC), tick=False):
        assert clock.today() == date(2026, 12, 6)
        assert clock.now().tzinfo is UTC
        assert clock.local_date(datetime(2026, 12, 5, 15, 59, 59)) == date(2026, 12, 5)
