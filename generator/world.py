"""The static world: the unit tree, officers with certificates, the product catalog and its prices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from generator import names
from generator.scales import Scale
from ingestion.contract import ean13_check_digit

PLACE_NAME_TRIES = 50  # clashes before a place name gets a third syllable


def person_name(rng: np.random.Generator) -> str:
    given = "".join(rng.choice(names.GIVEN_CHARS, size=int(rng.integers(1, 3))))
    return str(rng.choice(names.SURNAMES)) + given


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` names drawn at once: a surname and one or two given characters."""
    surnames = rng.choice(names.SURNAMES, size=n)
    two = rng.integers(1, 3, size=n) == 2
    given = rng.choice(names.GIVEN_CHARS, size=(n, 2))
    return [
        s + g[0] + (g[1] if t else "")
        for s, g, t in zip(surnames.tolist(), given.tolist(), two.tolist(), strict=True)
    ]


def place_name(rng: np.random.Generator, used: set[str]) -> str:
    """A place name not in ``used``. Two syllables give 1,705 names, fewer than the 2,426 counties of the
    national world, so after repeated clashes a third syllable is added (else the loop never ends)."""
    clashes = 0
    while True:
        stem = str(rng.choice(names.PLACE_FIRST)) + str(rng.choice(names.PLACE_SECOND))
        if clashes >= PLACE_NAME_TRIES:
            stem += str(rng.choice(names.PLACE_SECOND))
        if stem not in used:
            used.add(stem)
            return stem
        clashes += 1


@dataclass
class Units:
    table: pd.DataFrame  # contract columns
    province_of: dict[str, str]  # unit_code -> province unit_code
    counties: list[str]
    cities: list[str]


def build_units(scale: Scale, rng: np.random.Generator) -> Units:
    provinces = [p for p in names.PROVINCES if scale.province_codes is None or p[0] in scale.province_codes]
    # spread cities and counties over provinces, at least one city each
    city_split = rng.multinomial(scale.n_cities - len(provinces), [1 / len(provinces)] * len(provinces)) + 1
    rows: list[dict[str, str | None]] = []
    province_of: dict[str, str] = {}
    cities: list[str] = []
    # City codes PPCC00 are handed out per two-digit prefix, skipping the prefixes that belong to
    # province-level bureaus of their own (大连 2102, 深圳 4403).
    reserved = {p[0][:4] for p in names.PROVINCES}
    next_city: dict[str, int] = {}
    for (p_code, p_name, p_abbr), n_city in zip(provinces, city_split, strict=True):
        rows.append(
            dict(
                unit_code=p_code,
                name=f"{p_name}烟草专卖局",
                level="province",
                parent_code=None,
                abbreviation=f"{p_abbr}烟",
            )
        )
        province_of[p_code] = p_code
        used: set[str] = set()
        for _ in range(int(n_city)):
            serial = next_city.get(p_code[:2], 1)
            while f"{p_code[:2]}{serial:02d}" in reserved:
                serial += 1
            next_city[p_code[:2]] = serial + 1
            code = f"{p_code[:2]}{serial:02d}00"
            name = place_name(rng, used)
            rows.append(
                dict(
                    unit_code=code,
                    name=f"{name}市烟草专卖局",
                    level="city",
                    parent_code=p_code,
                    abbreviation=f"{name[0]}烟",
                )
            )
            province_of[code] = p_code
            cities.append(code)
    county_split = rng.multinomial(scale.n_counties - len(cities), [1 / len(cities)] * len(cities)) + 1
    counties: list[str] = []
    used_county: set[str] = set()
    for city_code, n_county in zip(cities, county_split, strict=True):
        for k in range(int(n_county)):
            code = f"{city_code[:4]}{k + 1:02d}"
            name = place_name(rng, used_county)
            kind = "县" if k % 3 else "市"
            rows.append(
                dict(
                    unit_code=code,
                    name=f"{name}{kind}烟草专卖局",
                    level="county",
                    parent_code=city_code,
                    abbreviation=f"{name[0]}烟",
                )
            )
            province_of[code] = province_of[city_code]
            counties.append(code)
    return Units(pd.DataFrame(rows), province_of, counties, cities)


def build_officers(units: Units, scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    """Officers per unit; every unit has a head (approver), counties and cities a legal reviewer,
    cities and provinces the reviewers of dossier review."""
    rows = []
    for unit in units.table.itertuples():
        n = {"province": 5, "city": 7, "county": int(rng.integers(7, 12))}[unit.level]
        for i in range(n + (unit.level == "county")):
            roles = ["officer"]
            if i == 0:
                roles = ["officer", "approver", "manager"]
            elif i == 1 and unit.level != "province":
                roles = ["officer", "legal_reviewer"]
            elif unit.level != "county" and i >= n - 3:
                roles = ["reviewer"]
            valid_from = scale.start_date - timedelta(days=int(rng.integers(200, 2000)))
            valid_to = scale.end_date + timedelta(days=int(rng.integers(30, 1500)))
            if i == n:  # one officer per county whose certificate lapsed before the period
                valid_to = scale.start_date - timedelta(days=30)
            rows.append(
                dict(
                    officer_id=f"O{unit.unit_code}{i + 1:03d}",
                    name=person_name(rng),
                    unit_code=unit.unit_code,
                    cert_no=f"{unit.unit_code}{valid_from.year}{int(rng.integers(0, 10000)):04d}",
                    cert_valid_from=valid_from,
                    cert_valid_to=valid_to,
                    roles=";".join(roles),
                )
            )
    return pd.DataFrame(rows)


def _ean(prefix: str, rng: np.random.Generator, used: set[str]) -> str:
    while True:
        body = prefix + "".join(str(d) for d in rng.integers(0, 10, size=12 - len(prefix)))
        code = body + ean13_check_digit(body)
        if code not in used:
            used.add(code)
            return code


def build_products(scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    used: set[str] = {c for k in names.KNOWN_DOMESTIC for c in k[2:]} | set(names.REAL_PHOTO_CODES)
    rows = []
    for brand, spec, pack, carton in names.KNOWN_DOMESTIC:
        manufacturer = next(b[1] for b in names.DOMESTIC_BRANDS if b[0] == brand)
        band = next(b[3] for b in names.DOMESTIC_BRANDS if b[0] == brand)
        rows.append((brand, f"{brand}{spec}", manufacturer, pack, carton, band))
    seen_specs = {r[1] for r in rows}
    while len(rows) < scale.n_domestic_products:
        brand, manufacturer, specs, band = names.DOMESTIC_BRANDS[
            int(rng.integers(len(names.DOMESTIC_BRANDS)))
        ]
        spec = f"{brand}{rng.choice(specs)}"
        if spec in seen_specs:
            spec = f"{spec[:-1]}{len(rows)})" if spec.endswith(")") else f"{spec}{len(rows)}"
        seen_specs.add(spec)
        rows.append((brand, spec, manufacturer, _ean("6901028", rng, used), _ean("6901028", rng, used), band))
    photo_codes = [c for c in names.REAL_PHOTO_CODES if not c.startswith("97")]  # 977/978: periodicals, books
    for i, carton in enumerate(photo_codes):
        brand, manufacturer = names.IMPORTED_BRANDS[i % len(names.IMPORTED_BRANDS)]
        rows.append(
            (brand, f"{brand}(进口{i + 1}号)", manufacturer, _ean(carton[:3], rng, used), carton, (150, 400))
        )
    records = []
    for i, (brand, spec, manufacturer, pack, carton, band) in enumerate(rows):
        wholesale = float(round(rng.uniform(*band) / 5) * 5)
        allocation = wholesale / 1.13 / 10 * 10  # ex-tax allocation price per carton (approximation)
        price_class = 1 if allocation >= 100 else 2 if allocation >= 50 else 3 if allocation >= 30 else 4
        slim = "细支" in spec
        records.append(
            dict(
                product_code=f"P{i + 1:05d}",
                brand=brand,
                spec_name=spec,
                manufacturer=manufacturer,
                pack_barcode=pack,
                carton_barcode=carton,
                case_barcode=_ean(carton[:7], rng, used),
                sticks_per_pack=20 if not slim or i % 4 else 16,
                packs_per_carton=10,
                price_class=price_class,
                tar_mg=float(rng.choice([5.0, 6.0, 8.0, 10.0, 11.0])),
                pack_form=str(rng.choice(names.PACK_FORMS)),
                status="active" if i % 23 else "discontinued",
                list_wholesale=wholesale,
            )
        )
    return pd.DataFrame(records)


def build_prices(
    products: pd.DataFrame, province_codes: list[str], scale: Scale, rng: np.random.Generator
) -> pd.DataFrame:
    """National wholesale and suggested retail per carton, some provincial retail prices, and a price change
    for about a fifth of the products in the middle of the period (old row closed the day before)."""
    rows: list[tuple[str, str | None, str, float, date, date | None]] = []
    base_from = date(scale.start_date.year - 2, 1, 1)
    span = (scale.end_date - scale.start_date).days
    prov: str | None
    for p in products.itertuples():
        wholesale = float(p.list_wholesale)
        retail = round(wholesale * 1.1 / 10) * 10.0
        change = (
            scale.start_date + timedelta(days=int(rng.integers(60, span - 60)))
            if rng.random() < 0.2
            else None
        )
        for price_type, price in (("wholesale", wholesale), ("retail_suggested", retail)):
            scopes: list[tuple[str | None, float]] = [(None, price)]
            if price_type == "retail_suggested" and rng.random() < 0.3:
                for prov in province_codes:  # a provincial list price overrides the national one
                    scopes.append((prov, price + 10.0))
            for prov, value in scopes:
                if change is None:
                    rows.append((p.product_code, prov, price_type, value, base_from, None))
                else:
                    rows.append(
                        (p.product_code, prov, price_type, value, base_from, change - timedelta(days=1))
                    )
                    rows.append((p.product_code, prov, price_type, round(value * 1.08, 0), change, None))
    return pd.DataFrame(
        rows,
        columns=["product_code", "province_code", "price_type", "price_per_carton", "valid_from", "valid_to"],
    )
