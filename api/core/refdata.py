"""Reference data (zhifa.reference) as the API needs it: cached, with Decimal settings.

Dates before the reference data's first version (a case discovered in 2010, stored settings from 2015 on)
read the first version: the older rules are not in the store, and a deadline, price basis or grading
setting computed from the first version beats a route that cannot answer (issue #12 §2.2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from zhifa.reference import ReferenceData, load_reference, read_seed
from zhifa.settings import SEEDS_DIR


@lru_cache(maxsize=1)
def reference() -> ReferenceData:
    return load_reference()


@lru_cache(maxsize=1)
def legal_review_items() -> tuple[dict[str, str], ...]:
    """The legal reviewer's checklist (seed ``ref_legal_review_items``), in page order."""
    frame = read_seed(SEEDS_DIR / "ref_legal_review_items.csv")
    frame = frame.assign(order=frame["sort_order"].astype(int)).sort_values("order")
    return tuple(
        {k: str(r[k]) for k in ("item_code", "name_zh", "description_zh")} for _, r in frame.iterrows()
    )


def in_force(on: date) -> date:
    """``on``, or the first day the reference data covers when ``on`` precedes it."""
    first = reference().first_day()
    return on if first is None else max(on, first)


def setting(key: str, province_code: str | None, on: date) -> float | str:
    return reference().setting(key, province_code, in_force(on))


def settings_for(province_code: str | None, on: date) -> dict[str, float | str]:
    return reference().settings_for(province_code, in_force(on))


def price_type(province_code: str, on: date) -> str:
    return reference().price_type(province_code, in_force(on))


def number(key: str, province_code: str, on: date) -> Decimal:
    return Decimal(str(setting(key, province_code, on)))


def days(key: str, province_code: str, on: date) -> int:
    return int(number(key, province_code, on))


def dec(value: float | None) -> Decimal | None:
    """Rates and amounts from reference floats, rounded to what the seeds can express."""
    return None if value is None else Decimal(str(round(value, 6))).normalize()


@lru_cache(maxsize=1)
def training_courses() -> dict[str, dict[str, object]]:
    """The training course catalogue (seed ``ref_training_courses``) by course id, in catalogue order."""
    frame = read_seed(SEEDS_DIR / "ref_training_courses.csv")
    return {
        str(r["course_id"]): {
            "course_id": str(r["course_id"]),
            "title_zh": str(r["title_zh"]),
            "legal_area": str(r["legal_area"]),
            "format": str(r["format"]),
            "hours": float(r["hours"]),
        }
        for _, r in frame.iterrows()
    }
