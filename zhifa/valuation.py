"""Case value (案值) rules in one place: the API values with them, the generator plants truth with them, the
tests check the warehouse SQL against them (int_case_item_values, int_case_valuation, fct_case_fines follow
the same rules; tests/test_metrics_units.py replays the dbt unit tests through this module).

- A catalog product (not counted in kg) is valued at the carton price of the province's price basis valid on
  the seizure date: a provincial row before the national one, ``valid_to`` inclusive (DOMAIN.md §4).
- Goods the catalog does not price (leaf by the kg, cigarette paper, filter rods, machinery) are valued at the
  unit price of the valuation table (核价表), per the line's own unit: basis ``appraised`` when a price
  appraisal (鉴定结论告知书) is in the dossier, else ``stated`` (国烟计〔2021〕93号: "other rules when not
  listed").
- Line value = quantity × price rounded to cents half-even; case value = Σ line values, only when every line
  is valued (else no amount, with the reason of the first problem line).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pandas as pd

from zhifa.reference import NATIONAL, read_seed
from zhifa.settings import SEEDS_DIR

CENT = Decimal("0.01")
NON_CATALOG_BASES = ("stated", "appraised")
# ref_fine_reasons priorities: the reason shown for a case is its first problem line's by this order
REASON_ORDER = (
    "MISSING_QUANTITY",
    "UNKNOWN_PRODUCT",
    "NOT_VALUED_BY_CATALOG",
    "NO_PRICE_BASIS",
    "MISSING_PRICE",
)


def cents(value: Decimal) -> Decimal:
    """Round to the cent, half-even (the warehouse's round_even and Python's round())."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class PriceRow:
    """One catalog price period of a product and price type."""

    province_code: str | None  # None = the national list
    price_per_carton: Decimal
    valid_from: date
    valid_to: date | None  # inclusive; None = still valid

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def price_on(rows: Iterable[PriceRow], province_code: str, day: date) -> PriceRow | None:
    """The row valid on ``day``: the province's own before the national one, the latest start within each."""
    valid = [r for r in rows if r.covers(day) and r.province_code in (province_code, None)]
    valid.sort(key=lambda r: (r.province_code is None, -r.valid_from.toordinal()))
    return valid[0] if valid else None


def period_of(rows: Iterable[PriceRow], province_code: str, day: date, price: Decimal) -> PriceRow | None:
    """The other period (of the province or national) whose price a stated unit price is: the latest one that
    started on or before ``day`` (an outdated price), else the nearest later one."""
    other = [
        r
        for r in rows
        if r.province_code in (province_code, None)
        and not r.covers(day)
        and abs(r.price_per_carton - price) < CENT / 2
    ]
    other.sort(key=lambda r: (r.valid_from > day, abs((r.valid_from - day).days), r.province_code is None))
    return other[0] if other else None


@dataclass(frozen=True)
class LineValue:
    basis: str | None  # catalog | stated | appraised; None = not valued
    unit_price: Decimal | None  # the price the line was valued at, per carton or per the line's unit
    value: Decimal | None
    issue: str | None  # ref_fine_reasons code when not valued


def value_line(
    quantity: Decimal | None,
    unit: str,
    *,
    known_product: bool,
    catalog_price: Decimal | None,
    per_carton: int = 200,
    per_pack: int = 20,
    stated_price: Decimal | None = None,
    appraised: bool = False,
    has_price_basis: bool = True,
) -> LineValue:
    """One seized line; ``per_carton``/``per_pack`` = the product's sticks per carton and per pack."""
    catalog_goods = known_product and unit != "kg"
    if catalog_goods and catalog_price is not None:
        basis, price = "catalog", catalog_price
    elif not catalog_goods and stated_price is not None:
        basis, price = ("appraised" if appraised else "stated"), stated_price
    else:
        basis, price = None, None
    if quantity is None:
        return LineValue(basis, price, None, "MISSING_QUANTITY")
    if basis is None or price is None:
        if not known_product and unit != "kg":
            issue = "UNKNOWN_PRODUCT"
        elif unit == "kg":
            issue = "NOT_VALUED_BY_CATALOG"
        else:
            issue = "NO_PRICE_BASIS" if not has_price_basis else "MISSING_PRICE"
        return LineValue(None, None, None, issue)
    if basis == "catalog":
        packs_per_carton = Decimal(per_carton) / Decimal(per_pack)
        divisor = {"carton": Decimal(1), "pack": packs_per_carton, "stick": Decimal(per_carton)}[unit]
        return LineValue(basis, price, cents(quantity / divisor * price), None)
    return LineValue(basis, price, cents(quantity * price), None)


def case_value(lines: Sequence[LineValue]) -> tuple[Decimal | None, str | None]:
    """Σ line values when every line is valued, else (None, the first problem by REASON_ORDER)."""
    if not lines:
        return None, "NO_ITEMS"
    issues = [ln.issue for ln in lines if ln.issue is not None]
    if issues:
        return None, min(issues, key=REASON_ORDER.index)
    total = cents(sum((ln.value or Decimal(0) for ln in lines), Decimal(0)))
    return (None, "ZERO_AMOUNT") if total == 0 else (total, None)


def case_basis(lines: Sequence[LineValue]) -> str | None:
    bases = {ln.basis for ln in lines}
    if None in bases or not bases:
        return None
    return bases.pop() if len(bases) == 1 else "mixed"


def far_from_reference(stated_price: Decimal, reference_price: Decimal, ratio_max: Decimal) -> bool:
    """A stated price more than ``ratio_max`` times above or below the reference (the bounds pass)."""
    ratio = stated_price / reference_price
    return ratio > ratio_max or ratio < 1 / ratio_max


def stated_amount_defect(
    stated: Decimal | None,
    computed: Decimal | None,
    *,
    tolerance: Decimal,
    typo_factor: Decimal,
    n_outdated_prices: int = 0,
    n_price_differences: int = 0,
) -> str | None:
    """Kind of valuation defect: a ×factor slip either way, stated unit prices of an outdated period, other
    unit-price differences, any other difference beyond ``tolerance`` (inclusive); None = consistent or not
    checkable."""
    if stated is not None and computed is not None and abs(stated - computed) > tolerance:
        slack = tolerance * typo_factor
        if abs(stated - computed * typo_factor) <= slack or abs(stated * typo_factor - computed) <= slack:
            return "amount_typo"
    if n_outdated_prices:
        return "outdated_price"
    if n_price_differences:
        return "price_differs"
    if stated is not None and computed is not None and abs(stated - computed) > tolerance:
        return "amount_differs"
    return None


def reference_prices(seeds_dir: Path = SEEDS_DIR) -> pd.DataFrame:
    """ref_reference_prices: reference unit prices of goods without a catalog price."""
    frame = read_seed(Path(seeds_dir) / "ref_reference_prices.csv")
    frame["reference_price"] = frame["reference_price"].astype(float)
    return frame


def reference_price(
    table: pd.DataFrame, spec_name: str, unit: str | None, province_code: str, on: date
) -> tuple[str, float] | None:
    """(goods kind, reference price) of a line: a keyword of the kind in its spec name, the unit when the row
    names one, valid on ``on``; the province's row before the national one (as int_case_item_values)."""
    best: tuple[bool, str, str, float] | None = None
    for r in table.to_dict("records"):
        words = [w.strip() for w in str(r["keywords"] or "").split(";") if w.strip()]
        if not any(w in spec_name for w in words):
            continue
        if r["quantity_unit"] and r["quantity_unit"] != unit:
            continue
        if r["province_code"] not in (province_code, NATIONAL):
            continue
        start, end = _day(r["valid_from"]), _day(r["valid_to"])
        if (start and on < start) or (end and on > end):
            continue
        key = (r["province_code"] == province_code, str(start or ""), r["goods_kind"], r["reference_price"])
        if best is None or key[:2] > best[:2] or (key[:2] == best[:2] and key[2] < best[2]):
            best = key
    return None if best is None else (best[2], float(best[3]))


def _day(value: object) -> date | None:
    return None if value in (None, "") or pd.isna(value) else date.fromisoformat(str(value)[:10])
