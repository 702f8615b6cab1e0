"""Valuation exactly as the platform defines it, used to plant the ground-truth case value.

Rule (DOMAIN.md §4): each seized line is valued at the catalog price per carton valid on the seizure
(discovery) date, under the province's price basis; a provincial list price wins over the national one.
Line value = round(cartons × price, 2); case value = sum of line values.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pandas as pd

PriceKey = tuple[str, str | None, str]  # product_code, province_code (None = national), price_type


class PriceBook:
    def __init__(self, prices: pd.DataFrame) -> None:
        self._rows: dict[PriceKey, list[tuple[date, date | None, float]]] = defaultdict(list)
        for row in prices.itertuples(index=False):
            province = None if pd.isna(row.province_code) else row.province_code
            valid_to = None if pd.isna(row.valid_to) else row.valid_to
            self._rows[(row.product_code, province, row.price_type)].append(
                (row.valid_from, valid_to, float(row.price_per_carton))
            )

    def price(self, product_code: str, province_code: str, price_type: str, on: date) -> float | None:
        for scope in (province_code, None):
            for valid_from, valid_to, value in self._rows.get((product_code, scope, price_type), ()):
                if valid_from <= on and (valid_to is None or on <= valid_to):
                    return value
        return None


def cartons(quantity: float, unit: str, sticks_per_pack: int, packs_per_carton: int) -> float:
    if unit == "pack":
        return quantity / packs_per_carton
    if unit == "stick":
        return quantity / (sticks_per_pack * packs_per_carton)
    return quantity
