"""Valuation exactly as the platform defines it, used to plant the ground-truth case value.

Rule (DOMAIN.md §4): each seized line is valued at the catalog price per carton valid on the seizure
(discovery) date, under the province's price basis; a provincial list price wins over the national one.
Line value = round(cartons × price, 2); case value = sum of line values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd


class PriceBook:
    """Catalog prices for many seized lines at once: one merge per scope, not one dict walk a line."""

    def __init__(self, prices: pd.DataFrame) -> None:
        p = prices[["product_code", "province_code", "price_type", "price_per_carton"]].copy()
        p["valid_from"] = pd.to_datetime(prices.valid_from)
        p["valid_to"] = pd.to_datetime(prices.valid_to)
        self.first_day = p.valid_from.min()  # the start of the catalog: the price of its first period
        self._provincial = p[p.province_code.notna()]
        self._national = p[p.province_code.isna()].drop(columns="province_code")

    def prices(self, product_code: Any, province_code: Any, price_type: Any, on: Any) -> np.ndarray:
        """Price per carton of each line (NaN where the catalog has none); ``on`` holds datetimes."""
        query = pd.DataFrame(
            dict(
                product_code=product_code,
                province_code=province_code,
                price_type=price_type,
                on=pd.to_datetime(on),
                row=np.arange(len(product_code)),
            )
        )
        out = np.full(len(query), np.nan)
        for rows, keys in (
            (self._provincial, ["product_code", "province_code", "price_type"]),  # provincial first
            (self._national, ["product_code", "price_type"]),
        ):
            m = query.merge(rows, on=keys)
            m = m[(m.valid_from <= m.on) & (m.valid_to.isna() | (m.on <= m.valid_to))]
            row = m.row.to_numpy()
            todo = np.isnan(out[row])
            out[row[todo]] = m.price_per_carton.to_numpy()[todo]
        return out


def cartons(
    quantity: np.ndarray, unit: np.ndarray, sticks_per_pack: np.ndarray, packs_per_carton: np.ndarray
) -> Any:
    """Quantities in cartons; ``unit`` holds carton / pack / stick."""
    return np.where(
        unit == "pack",
        quantity / packs_per_carton,
        np.where(unit == "stick", quantity / (sticks_per_pack * packs_per_carton), quantity),
    )


def by_period(
    keys: Sequence[Any], days: Any, boundaries: Sequence[Any], look_up: Callable[[Any, date], Any]
) -> list[Any]:
    """``look_up(key, day)`` for every (key, day) pair, asking once per key and validity period.

    Reference answers change only on the dates in ``boundaries`` (valid_from, day after valid_to), so one
    question per period stands for every day in it: a national world asks 33 provinces × 365 days otherwise.
    """
    day = pd.to_datetime(pd.Series(days)).dt.normalize().to_numpy()
    cuts = np.unique(pd.to_datetime(pd.Series(list(boundaries))).dropna().dt.normalize().to_numpy())
    period = np.searchsorted(cuts, day, side="right")
    frame = pd.DataFrame(dict(key=list(keys), period=period, day=day))
    firsts = frame.groupby(["key", "period"], sort=True).day.min()
    answers = {k: look_up(k[0], pd.Timestamp(d).date()) for k, d in firsts.items()}
    return [answers[k] for k in zip(frame.key, frame.period, strict=True)]
