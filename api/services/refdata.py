"""Reference data (zhifa.reference) as the API needs it: cached, with Decimal settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from zhifa.reference import ReferenceData, load_reference


@lru_cache(maxsize=1)
def reference() -> ReferenceData:
    return load_reference()


def number(key: str, province_code: str, on: date) -> Decimal:
    return Decimal(str(reference().setting(key, province_code, on)))


def days(key: str, province_code: str, on: date) -> int:
    return int(number(key, province_code, on))


def dec(value: float | None) -> Decimal | None:
    """Rates and amounts from reference floats, rounded to what the seeds can express."""
    return None if value is None else Decimal(str(round(value, 6))).normalize()
