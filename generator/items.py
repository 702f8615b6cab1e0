"""Seized goods of every case at once (a row per line), valued as zhifa.valuation says: cigarettes at the
catalog price of the discovery date; leaf, cigarette paper, filter rods and machinery (no catalog price) at
the unit price stated on the valuation table, or appraised when the case has a price appraisal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd

from generator.parties import licence_number, spray_code
from generator.pricing import PriceBook, by_period, cartons
from zhifa.reference import ReferenceData
from zhifa.valuation import reference_price, reference_prices


class ItemSource(Protocol):
    """What drawing the goods needs of the case generator (``generator.cases.CaseGenerator``)."""

    rng: np.random.Generator
    products: pd.DataFrame
    book: PriceBook
    ref: ReferenceData
    price_basis_changes: list[Any]


UNITS = np.array(["carton", "pack", "stick"])
UNIT_WEIGHTS = [17 / 20, 2 / 20, 1 / 20]
# violation → goods without a catalog price: (spec name as written, quantity unit, quantity low, high, step);
# every line of such a case is one of them, except the machine of a manufacture case beside its cigarettes
NON_CATALOG: dict[str, list[tuple[str, str, int, int, int]]] = {
    "UNLICENSED_LEAF_PURCHASE": [("烤烟叶", "kg", 50, 1500, 1), ("晒烟叶（散装）", "kg", 20, 600, 1)],
    "PURCHASE_FROM_UNLICENSED_MAKER": [("卷烟纸", "kg", 5, 120, 1), ("醋纤滤嘴棒", "stick", 1, 60, 10000)],
    "UNLICENSED_MANUFACTURE": [("卷烟机（二手）", "carton", 1, 2, 1)],  # counted in 台: no contract unit
}
APPRAISED_SHARE = 0.3  # cases of non-catalog goods whose prices a price appraisal set
OUTLIER_SHARE = 0.05  # stated (not appraised) non-catalog lines stated far from the reference price


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
    violation = frame.violation_code.to_numpy()[case]
    goods = _non_catalog(gen, frame, case, line_no, violation, on)
    appraised = frame.violation_code.isin(list(NON_CATALOG)).to_numpy() & (rng.random(n) < APPRAISED_SHARE)
    frame["appraised"] = appraised
    other = goods.spec.notna().to_numpy()
    outlier = other & ~appraised[case] & (rng.random(m) < OUTLIER_SHARE)
    far = goods.price.to_numpy() * rng.uniform(2.5, 4.0, size=m)
    stated = np.where(outlier, np.where(goods.digits == 4, np.round(far, 4), np.round(far, 2)), goods.price)
    price = np.where(other, stated, price)
    quantity = np.where(other, goods.quantity, quantity)
    unit = np.where(other, goods.unit, unit).astype(object)
    n_cartons = np.where(other, 0.0, n_cartons)
    value = np.where(other, np.round(quantity * price, 2), value)
    frame["computed_amount"] = np.round(np.bincount(case, weights=value, minlength=n), 2)
    items = pd.DataFrame(
        dict(
            case=case,
            line_no=line_no,
            product_code=np.where((rng.random(m) < 0.9) & ~other, codes, None),
            barcode=np.where(
                other,
                None,
                np.where(
                    unit == "pack",
                    products.pack_barcode.to_numpy()[product],
                    products.carton_barcode.to_numpy()[product],
                ),
            ),
            spec_name_raw=np.where(other, goods.spec, products.spec_name.to_numpy()[product]),
            quantity=quantity,
            quantity_unit=unit,
            unit_price=price,
            stated_unit_price=np.nan,  # set where a VALUATION_MISMATCH is planted
            cartons=n_cartons,
            sticks=n_cartons
            * products.sticks_per_pack.to_numpy()[product]
            * products.packs_per_carton.to_numpy()[product],
            kg=np.where(unit == "kg", quantity, 0.0),
            code=codes,  # the product drawn (product_code above is left out on some lines)
            catalog=~other,
            price_type=price_type[case],
            basis=np.where(other, np.where(appraised[case], "appraised", "stated"), "catalog"),
            price_outlier=outlier,
            value=value,
            authenticity=np.where(violation == "SELLING_ILLEGAL_PRODUCTS", "counterfeit", "genuine"),
        )
    )
    items["spray_code"] = _spray_codes(gen, frame, items, violation)
    return items


def _non_catalog(
    gen: ItemSource,
    frame: pd.DataFrame,
    case: np.ndarray,
    line_no: np.ndarray,
    violation: np.ndarray,
    on: Any,
) -> pd.DataFrame:
    """Spec, unit, quantity, stated unit price (the reference price ±25 %) and price digits of the lines that
    are goods without a catalog price; spec is None on the other lines. Whole kg and whole 10,000 sticks at
    a price of cents (per kg) or hundredths of a cent (per stick): line values have no half-cent to round."""
    rng, m = gen.rng, len(case)
    spec = np.full(m, None, dtype=object)
    unit = np.full(m, None, dtype=object)
    quantity, price, digits = np.zeros(m), np.zeros(m), np.full(m, 2)
    table = reference_prices()
    day = on.dt.date.to_numpy()
    province = frame.province_code.to_numpy()
    cache: dict[tuple[Any, ...], float] = {}
    for code, kinds in NON_CATALOG.items():
        rows = np.flatnonzero((violation == code) & ((line_no == 1) | (code != "UNLICENSED_MANUFACTURE")))
        pick = rng.integers(0, len(kinds), size=len(rows))
        draw = rng.random(len(rows))
        factor = rng.uniform(0.8, 1.25, size=len(rows))
        for k, (row, j) in enumerate(zip(rows.tolist(), pick.tolist(), strict=True)):
            name, u, low, high, step = kinds[j]
            key = (name, u, str(province[case[row]]), day[case[row]])
            if key not in cache:
                found = reference_price(table, *key)
                assert found is not None, f"no reference price for {name}"
                cache[key] = found[1]
            digits[row] = 4 if u == "stick" else 2
            spec[row], unit[row] = name, u
            quantity[row] = float(int(low + draw[k] * (high - low)) * step)
            price[row] = round(cache[key] * factor[k], int(digits[row]))
    return pd.DataFrame(dict(spec=spec, unit=unit, quantity=quantity, price=price, digits=digits))


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
