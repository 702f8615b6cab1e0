"""Reloading the catalog around Shanghai midnight: the same prices change nothing, a new price closes
the old period, and the periods of one product/province/type never overlap (issue #12 §1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from apitest_support import write_catalog
from sqlalchemy import select

from api.capture.services.catalog import load_catalog, price_on
from api.capture.services.price_periods import Period, overlaps
from api.models import Price
from zhifa import clock


def _seed_day(session: Any) -> date:
    """The local day the test store was seeded on (write_catalog starts prices 400 days before it)."""
    first = session.scalars(select(Price).where(Price.province_code == "000000")).first()
    return first.valid_from + timedelta(days=400)


def _periods(session: Any) -> dict[tuple[str, str, str], list[Period]]:
    out: dict[tuple[str, str, str], list[Period]] = {}
    for row in session.scalars(select(Price)):
        key = (row.product_code, row.province_code, row.price_type)
        out.setdefault(key, []).append(Period(row.valid_from, row.valid_to, row.price_per_carton))
    return out


def _shanghai(day: date, at: time) -> datetime:
    return datetime.combine(day, at, clock.LOCAL).astimezone(UTC)


@pytest.mark.parametrize("local_time", [time(23, 59, 59), time(0, 0, 1)], ids=["before-midnight", "after"])
def test_reload_at_either_side_of_shanghai_midnight_changes_nothing(
    app: Any, tmp_path: Path, local_time: time
) -> None:
    with app.state.sessionmaker() as s:
        seeded = _seed_day(s)
        before = _periods(s)
        # the day the store was seeded, or the next one: the date a UTC machine would still call "today"
        day = seeded if local_time.hour == 23 else seeded + timedelta(days=1)
        with time_machine.travel(_shanghai(day, local_time), tick=False):
            assert clock.today() == day
            report = load_catalog(s, write_catalog(tmp_path / "again", clock.today()))
            s.commit()
        assert report.loaded["prices"] == 5
        assert _periods(s) == before
        on = price_on(s, "P001", "410000", "retail_suggested", day)
        assert on is not None and on.price_per_carton == Decimal("450.00")


def test_a_changed_price_closes_the_previous_period_and_nothing_overlaps(app: Any, tmp_path: Path) -> None:
    with app.state.sessionmaker() as s:
        seeded = _seed_day(s)
        change = seeded + timedelta(days=30)
        folder = write_catalog(tmp_path / "changed", seeded)
        (folder / "prices.csv").write_text(
            "product_code,province_code,price_type,price_per_carton,valid_from,valid_to\n"
            f"P001,410000,retail_suggested,480.00,{change},\n",
            encoding="utf-8",
        )
        for name in ("units", "officers", "products"):
            (folder / f"{name}.csv").unlink()
        load_catalog(s, folder)
        load_catalog(s, folder)  # twice: still one new period
        s.commit()
        periods = _periods(s)
        assert all(overlaps(p) == [] for p in periods.values())
        mine = sorted(periods["P001", "410000", "retail_suggested"], key=lambda p: p.start)
        assert [(p.price, p.end) for p in mine[-2:]] == [
            (Decimal("450.00"), change - timedelta(days=1)),
            (Decimal("480.00"), None),
        ]
        on = price_on(s, "P001", "410000", "retail_suggested", change - timedelta(days=1))
        assert on is not None and on.price_per_carton == Decimal("450.00")
        on = price_on(s, "P001", "410000", "retail_suggested", change)
        assert on is not None and on.price_per_carton == Decimal("480.00")
