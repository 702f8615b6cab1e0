"""Valuation rules (zhifa.valuation) against hand-made cases written from DOMAIN.md §4 and §8 and the issue's
text (inputs → expected yuan, to the cent), and hypothesis properties: case value = Σ quantity × the price
of the period valid on the date, valid_to inclusive, province before nation, tier monotone in the amount,
a ×10 slip always found."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.reference import load_reference
from zhifa.valuation import (
    LineValue,
    PriceRow,
    case_basis,
    case_value,
    far_from_reference,
    period_of,
    price_on,
    stated_amount_defect,
    value_line,
)

D = Decimal
HENAN, GUANGDONG = "410000", "440000"
# a product with a national list price and a Henan price that changed on 2024-05-10 (valid_to inclusive)
ROWS = [
    PriceRow(None, D("450"), date(2020, 1, 1), None),
    PriceRow(HENAN, D("460"), date(2020, 1, 1), date(2024, 5, 9)),
    PriceRow(HENAN, D("497"), date(2024, 5, 10), None),
]

# (quantity, unit, known product, catalog price, sticks per carton, sticks per pack, stated, appraised)
#   → (basis, line value, issue)
LINES = [
    # 1 条 = 10 盒 × 20 支: 3 cartons, 5 packs, 20 sticks of a 16-stick pack (26.875 → 26.88 half-even)
    ((D("3"), "carton", True, D("497"), 200, 20, None, False), ("catalog", D("1491.00"), None)),
    ((D("5"), "pack", True, D("450"), 200, 20, None, False), ("catalog", D("225.00"), None)),
    ((D("20"), "stick", True, D("215"), 160, 16, None, False), ("catalog", D("26.88"), None)),
    # a catalog product is valued at the catalog price even if the table states another
    ((D("2"), "carton", True, D("497"), 200, 20, D("460"), False), ("catalog", D("994.00"), None)),
    # goods without a catalog price at the valuation table's unit price, per their own unit
    ((D("12.5"), "kg", False, None, 200, 20, D("28.40"), False), ("stated", D("355.00"), None)),
    ((D("5000"), "stick", False, None, 200, 20, D("0.04"), False), ("stated", D("200.00"), None)),
    ((D("1"), "carton", False, None, 200, 20, D("48000"), True), ("appraised", D("48000.00"), None)),
    ((D("3"), "kg", False, None, 200, 20, D("41.33"), True), ("appraised", D("123.99"), None)),
    # leaf in kg is never a carton price, even for a known product code
    ((D("10"), "kg", True, D("450"), 200, 20, D("30"), False), ("stated", D("300.00"), None)),
    # nothing to value with: the reason, never a number
    ((D("10"), "kg", False, None, 200, 20, None, False), (None, None, "NOT_VALUED_BY_CATALOG")),
    ((D("1"), "carton", False, None, 200, 20, None, False), (None, None, "UNKNOWN_PRODUCT")),
    ((D("1"), "carton", True, None, 200, 20, None, False), (None, None, "MISSING_PRICE")),
    ((None, "carton", True, D("450"), 200, 20, None, False), ("catalog", None, "MISSING_QUANTITY")),
]


@pytest.mark.parametrize(("given_line", "expected"), LINES)
def test_hand_made_lines(given_line: tuple[Any, ...], expected: tuple[Any, ...]) -> None:
    qty, unit, known, catalog, per_carton, per_pack, stated, appraised = given_line
    got = value_line(
        qty,
        unit,
        known_product=known,
        catalog_price=catalog,
        per_carton=per_carton,
        per_pack=per_pack,
        stated_price=stated,
        appraised=appraised,
    )
    assert (got.basis, got.value, got.issue) == expected


@pytest.mark.parametrize(
    ("province", "day", "price"),
    [
        (HENAN, date(2024, 5, 9), D("460")),  # valid_to day itself: the old provincial price
        (HENAN, date(2024, 5, 10), D("497")),  # the day after: the new one
        (GUANGDONG, date(2024, 5, 10), D("450")),  # no provincial rows: the national price
        (HENAN, date(2019, 12, 31), None),  # before any price
    ],
)
def test_price_valid_on_the_date(province: str, day: date, price: Decimal | None) -> None:
    row = price_on(ROWS, province, day)
    assert (row.price_per_carton if row else None) == price


def test_an_outdated_stated_price_is_traced_to_its_period() -> None:
    old = period_of(ROWS, HENAN, date(2024, 5, 10), D("460"))
    assert old is not None and (old.valid_from, old.valid_to) == (date(2020, 1, 1), date(2024, 5, 9))
    assert period_of(ROWS, HENAN, date(2024, 5, 10), D("497")) is None  # the valid price is no other period
    assert period_of(ROWS, GUANGDONG, date(2024, 5, 10), D("497")) is None  # another province's price


def test_case_value_and_basis() -> None:
    catalog = LineValue("catalog", D("497"), D("1491.00"), None)
    stated = LineValue("stated", D("28.40"), D("355.00"), None)
    assert case_value([catalog, stated]) == (D("1846.00"), None)
    assert case_basis([catalog, stated]) == "mixed"
    assert case_basis([stated]) == "stated"
    unvalued = LineValue(None, None, None, "NOT_VALUED_BY_CATALOG")
    unknown = LineValue(None, None, None, "UNKNOWN_PRODUCT")
    assert case_value([catalog, unvalued, unknown]) == (None, "UNKNOWN_PRODUCT")  # never a partial sum
    assert case_value([]) == (None, "NO_ITEMS")
    assert case_value([LineValue("catalog", D("450"), D("0.00"), None)]) == (None, "ZERO_AMOUNT")


@pytest.mark.parametrize(
    ("stated", "computed", "outdated", "differs", "kind"),
    [
        (D("12345.60"), D("1234.56"), 0, 0, "amount_typo"),  # a digit too many
        (D("123.46"), D("1234.56"), 0, 0, "amount_typo"),  # a digit too few
        (D("1234.57"), D("1234.56"), 0, 0, None),  # one cent: the tolerance itself
        (D("1234.58"), D("1234.56"), 0, 0, "amount_differs"),
        (D("1160.56"), D("1234.56"), 1, 1, "outdated_price"),
        (D("1234.56"), D("1234.56"), 0, 1, "price_differs"),
        (None, D("1234.56"), 0, 0, None),
        (D("500"), None, 0, 0, None),
    ],
)
def test_stated_amount_defects(
    stated: Decimal | None, computed: Decimal | None, outdated: int, differs: int, kind: str | None
) -> None:
    got = stated_amount_defect(
        stated,
        computed,
        tolerance=D("0.01"),
        typo_factor=D("10"),
        n_outdated_prices=outdated,
        n_price_differences=differs,
    )
    assert got == kind


@pytest.mark.parametrize(
    ("stated", "flagged"), [(D("60"), False), (D("60.30"), True), (D("15"), False), (D("14.90"), True)]
)
def test_stated_price_far_from_reference(stated: Decimal, flagged: bool) -> None:
    assert far_from_reference(stated, D("30"), D("2")) is flagged


# --- properties ---------------------------------------------------------------------------------------
START = date(2020, 1, 1)
cents_st = st.integers(min_value=1, max_value=2_000_00).map(lambda c: D(c) / 100)


@st.composite
def periods(draw: st.DrawFn, province: str | None) -> list[PriceRow]:
    """Consecutive periods of one scope, the last one open."""
    lengths = draw(st.lists(st.integers(1, 400), min_size=1, max_size=5))
    rows, start = [], START + timedelta(draw(st.integers(0, 30)))
    for i, n in enumerate(lengths):
        end = None if i == len(lengths) - 1 else start + timedelta(n - 1)
        rows.append(PriceRow(province, draw(cents_st), start, end))
        start = start + timedelta(n)
    return rows


@settings(max_examples=150, deadline=None)
@given(
    national=periods(None),
    provincial=st.one_of(st.just([]), periods(HENAN)),
    day_offset=st.integers(0, 2500),
    quantities=st.lists(st.integers(1, 5000), min_size=1, max_size=6),
)
def test_case_value_is_the_sum_at_the_period_valid_on_the_date(
    national: list[PriceRow], provincial: list[PriceRow], day_offset: int, quantities: list[int]
) -> None:
    day = START + timedelta(day_offset)
    rows = national + provincial

    def valid(scope: list[PriceRow]) -> Decimal | None:
        hits = [
            r.price_per_carton
            for r in scope
            if r.valid_from <= day and (r.valid_to is None or day <= r.valid_to)
        ]
        assert len(hits) <= 1
        return hits[0] if hits else None

    expected_price = valid(provincial) if valid(provincial) is not None else valid(national)
    row = price_on(rows, HENAN, day)
    assert (row.price_per_carton if row else None) == expected_price
    lines = [
        value_line(
            D(q), "pack", known_product=True, catalog_price=expected_price, per_carton=200, per_pack=20
        )
        for q in quantities
    ]
    total, issue = case_value(lines)
    if expected_price is None:
        assert total is None and issue == "MISSING_PRICE"
    else:
        each = [(D(q) / 10 * expected_price).quantize(D("0.01")) for q in quantities]
        if sum(each, D(0)) == 0:  # a few packs at a cent round to nothing
            assert (total, issue) == (None, "ZERO_AMOUNT")
            return
        assert issue is None and total == sum(each, D(0))
        assert abs(total - sum(quantities) / D(10) * expected_price) <= D("0.005") * len(quantities)


@settings(max_examples=100, deadline=None)
@given(rows=periods(HENAN))
def test_valid_to_is_inclusive(rows: list[PriceRow]) -> None:
    for r in rows:
        if r.valid_to is not None:
            assert price_on(rows, HENAN, r.valid_to) == r
            assert price_on(rows, HENAN, r.valid_to + timedelta(1)) != r
        assert price_on(rows, HENAN, r.valid_from) == r


@settings(max_examples=150, deadline=None)
@given(
    computed=st.integers(100, 2_000_000_00).map(lambda c: D(c) / 100), slip=st.sampled_from([D(10), D("0.1")])
)
def test_a_times_ten_slip_is_always_found(computed: Decimal, slip: Decimal) -> None:
    stated = (computed * slip).quantize(D("0.01"))
    kind = stated_amount_defect(stated, computed, tolerance=D("0.01"), typo_factor=D(10))
    assert kind == "amount_typo"
    assert stated_amount_defect(computed, computed, tolerance=D("0.01"), typo_factor=D(10)) is None


REF = load_reference()
TIERED = sorted(
    set(zip(REF.discretion_tiers.province_code, REF.discretion_tiers.violation_code, strict=True))
)


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(TIERED),
    a=st.floats(0, 2_000_000, allow_nan=False),
    b=st.floats(0, 2_000_000, allow_nan=False),
    day=st.dates(date(2019, 1, 1), date(2026, 12, 31)),
)
def test_tier_is_monotone_in_the_amount(key: tuple[str, str], a: float, b: float, day: date) -> None:
    province, violation = key
    low, high = sorted((a, b))

    def tier(amount: float) -> int:
        choice = REF.select_tier(province, violation, day, base_amount=amount, quantity={}, prior_offences=0)
        return choice.tier if choice else 0

    assert tier(low) <= tier(high)
