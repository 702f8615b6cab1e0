"""Parties (当事人), licences and spray codes: personal data that the pipeline must pseudonymise."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from generator import names
from generator.world import person_names

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def id_card_number(division: str, birth: date, serial: int) -> str:
    """18-digit resident ID with its ISO 7064 MOD 11-2 check character."""
    body = f"{division}{birth:%Y%m%d}{serial:03d}"
    return body + _ID_CHECK[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def licence_number(county_code: str, entity: bool, serial: int) -> str:
    return f"{county_code}{2 if entity else 1}{serial:05d}"


def spray_code(sorted_on: date, case_serial: int, carton_serial: int, letters: str, licence: str) -> str:
    """32-character carton spray code: line 1 date + case and carton serials, line 2 letters + licence."""
    return f"{sorted_on.year % 10}{sorted_on:%m%d}{case_serial:09d}{carton_serial:02d}{letters}{licence}"


def draw_parties(
    rng: np.random.Generator, counties: Any, unit_names: Any, entity: np.ndarray
) -> pd.DataFrame:
    """A party per case, all drawn at once: shops (entities) with a credit code, people with a resident ID."""
    n = len(entity)
    road = rng.choice(names.ROAD_WORDS, size=n).tolist()
    road_no = rng.integers(1, 400, size=n).tolist()
    shop = rng.choice(names.SHOP_WORDS, size=(n, 2)).tolist()
    kind = rng.choice(names.SHOP_KINDS, size=n).tolist()
    credit = rng.integers(0, 10**9, size=n).tolist()
    credit_check = rng.integers(0, 10, size=n).tolist()
    birth_day = rng.integers(0, 365 * 40, size=n).tolist()
    id_serial = rng.integers(1, 999, size=n).tolist()
    flat = rng.integers(1, 30, size=n).tolist()
    people = person_names(rng, n)
    born = date(1960, 1, 1)
    rows: list[tuple[str, str, str]] = []
    for i, (county, unit_name, is_entity) in enumerate(
        zip(counties, unit_names, entity.tolist(), strict=True)
    ):
        place = unit_name.replace("烟草专卖局", "")
        street = f"{place}{road[i]}路{road_no[i]}号"
        if is_entity:
            credit_code = f"92{county}{credit[i]:09d}{credit_check[i]}"
            rows.append((f"{place}{shop[i][0]}{shop[i][1]}{kind[i]}", credit_code, street))
        else:
            birth = born + timedelta(days=birth_day[i])
            rows.append((people[i], id_card_number(county, birth, id_serial[i]), f"{street}{flat[i]}单元"))
    return pd.DataFrame(rows, columns=["party_name", "party_id_no", "address"])
