"""Seized goods of every case at once (a row per line), valued at the catalog price of the discovery date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd

from generator.parties import licence_number, spray_code
from generator.pricing import PriceBook, by_period, cartons
from zhifa.reference import ReferenceData


class ItemSource(Protocol):
    """What drawing the goods needs of the case generator (``generator.cases.CaseGenerator``)."""

    rng: np.random.Generator
    products: pd.DataFrame
    book: PriceBook
    ref: ReferenceData
    price_basis_changes: list[Any]


UNITS = np.array(["carton", "pack", "stick"])
UNIT_WEIGHTS = [17 / 20, 2 / 20, 1 / 20]


def _distinct_products(rng: np.random.Generator, case: np.ndarray, n_products: int) -> np.ndarray:
    """A product per line, no product twice in one case (duplicates are drawn again until none is left)."""
    product = rng.integers(0, n_products, size=len(case))
    while True:
        order = np.lexsort((product, case))
        same = (case[order][1:] == case[order][:-1]) & (product[order][1:] == product[order][:-1])
        dup = order[1:][same]
        if len(dup) == 0:
            return product
        product[dup] = rng.integers(0, n_products, size=len(dup))


def draw_items(
    gen: ItemSource, frame: pd.DataFrame, low: np.ndarray, high: np.ndarray, mean_lines: np.ndarray
) -> pd.DataFrame:
    """Lines for the cases in ``frame``; ``case`` is the case's row position. Adds frame.computed_amount."""
    rng, products = gen.rng, gen.products
    n = len(frame)
    n_lines = np.minimum(1 + rng.poisson(mean_lines - 1), len(products))
    case = np.repeat(np.arange(n), n_lines)
    m = len(case)
    line_no = np.arange(m) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    product = _distinct_products(rng, case, len(products))
    unit = UNITS[rng.choice(3, size=m, p=UNIT_WEIGHTS)]
    quantity = np.where(
        unit == "carton",
        rng.integers(low[case], high[case] + 1),
        np.where(unit == "pack", rng.integers(2, 10, size=m), rng.integers(1, 10, size=m) * 20),
    ).astype(float)
    on = frame.discovered_at.dt.normalize()
    price_type = np.array(
        by_period(frame.province_code, on, gen.price_basis_changes, gen.ref.price_type), dtype=object
    )
    codes = products.product_code.to_numpy()[product]
    price = gen.book.prices(
        codes, frame.province_code.to_numpy()[case], price_type[case], on.to_numpy()[case]
    )
    if np.isnan(price).any():
        bad = int(np.flatnonzero(np.isnan(price))[0])
        raise AssertionError(f"no {price_type[case[bad]]} price for {codes[bad]} on {on.iloc[case[bad]]}")
    n_cartons = cartons(
        quantity,
        unit,
        products.sticks_per_pack.to_numpy()[product],
        products.packs_per_carton.to_numpy()[product],
    )
    value = np.round(n_cartons * price, 2)
    frame["computed_amount"] = np.round(np.bincount(case, weights=value, minlength=n), 2)
    violation = frame.violation_code.to_numpy()[case]
    items = pd.DataFrame(
        dict(
            case=case,
            line_no=line_no,
            product_code=np.where(rng.random(m) < 0.9, codes, None),
            barcode=np.where(
                unit == "pack",
                products.pack_barcode.to_numpy()[product],
                products.carton_barcode.to_numpy()[product],
            ),
            spec_name_raw=products.spec_name.to_numpy()[product],
            quantity=quantity,
            quantity_unit=unit,
            unit_price=price,
            stated_unit_price=np.nan,  # set where a VALUATION_MISMATCH is planted
            cartons=n_cartons,
            sticks=n_cartons
            * products.sticks_per_pack.to_numpy()[product]
            * products.packs_per_carton.to_numpy()[product],
            value=value,
            authenticity=np.where(violation == "SELLING_ILLEGAL_PRODUCTS", "counterfeit", "genuine"),
        )
    )
    items["spray_code"] = _spray_codes(gen, frame, items, violation)
    return items


def _spray_codes(
    gen: ItemSource, frame: pd.DataFrame, items: pd.DataFrame, violation: np.ndarray
) -> np.ndarray:
    """Half the cartons of non-designated-source cases carry the spray code of the retailer they went to."""
    rng = gen.rng
    m = len(items)
    coded = (violation == "NON_DESIGNATED_SOURCE") & (items.quantity_unit.to_numpy() == "carton")
    coded &= rng.random(m) < 0.5
    rows = np.flatnonzero(coded)
    back = rng.integers(3, 60, size=len(rows)).tolist()
    carton_serial = rng.integers(1, 50, size=len(rows)).tolist()
    licence_serial = rng.integers(1, 99999, size=len(rows)).tolist()
    case = items.case.to_numpy()[rows]
    day = frame.discovered_at.dt.date.to_numpy()[case]
    serial = frame.serial.to_numpy()[case].tolist()
    province = frame.province_code.to_numpy()[case]
    line = items.line_no.to_numpy()[rows].tolist()
    out = np.full(m, None, dtype=object)
    out[rows] = [
        spray_code(
            day[k] - timedelta(days=back[k]),
            serial[k] * 100 + line[k],
            carton_serial[k],
            "HNYC",
            licence_number(province[k][:2] + "0101", False, licence_serial[k]),
        )
        for k in range(len(rows))
    ]
    return out
