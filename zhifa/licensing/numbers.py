"""Retail licence numbers (DOMAIN.md §1): 6-digit division code + entity type (1 individual, 2
organisation) + 5-digit serial = 12 digits."""

from __future__ import annotations

import re

ENTITY_TYPES = {"individual": "1", "organisation": "2"}
_NUMBER = re.compile(r"\d{6}[12]\d{5}")


def licence_number(division_code: str, applicant_type: str, serial: int) -> str:
    if not re.fullmatch(r"\d{6}", division_code):
        raise ValueError(f"division code {division_code!r} is not 6 digits")
    if not 1 <= serial <= 99_999:
        raise ValueError(f"serial {serial} outside 1..99999")
    return f"{division_code}{ENTITY_TYPES[applicant_type]}{serial:05d}"


def is_licence_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text))
