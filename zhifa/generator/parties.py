"""Parties (当事人), licences and spray codes: personal data that the pipeline must pseudonymise."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from zhifa.generator import names
from zhifa.generator.world import person_name

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


def make_party(rng: np.random.Generator, county: str, unit_name: str, entity: bool) -> dict[str, str]:
    road = f"{rng.choice(names.ROAD_WORDS)}路{int(rng.integers(1, 400))}号"
    place = unit_name.replace("烟草专卖局", "")
    if entity:
        shop = "".join(rng.choice(names.SHOP_WORDS, size=2)) + str(rng.choice(names.SHOP_KINDS))
        credit = f"92{county}{int(rng.integers(0, 10**9)):09d}{int(rng.integers(0, 10))}"
        return {"party_name": f"{place}{shop}", "party_id_no": credit, "address": f"{place}{road}"}
    birth = date(1960, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 40)))
    return {
        "party_name": person_name(rng),
        "party_id_no": id_card_number(county, birth, int(rng.integers(1, 999))),
        "address": f"{place}{road}{int(rng.integers(1, 30))}单元",
    }
