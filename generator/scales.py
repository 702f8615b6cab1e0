"""World sizes. DOMAIN.md §1 gives the shapes: demo = one province, province = 15 cities/100 counties,
national = 33 provinces, 451 cities, 2,426 counties, 200k cases a year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Scale:
    name: str
    province_codes: tuple[str, ...] | None  # None = every province
    n_cities: int
    n_counties: int
    cases_per_year: int
    years: int
    n_domestic_products: int
    dossier_file_cases: int  # cases whose dossier is rendered as real files under files/
    scanned_file_cases: int  # of those, cases whose documents are scanned-looking PNG images
    end_date: date = date(2025, 12, 31)

    @property
    def start_date(self) -> date:
        return date(self.end_date.year - self.years + 1, 1, 1)

    @property
    def n_cases(self) -> int:
        return self.cases_per_year * self.years


SCALES: dict[str, Scale] = {
    "demo": Scale("demo", ("410000",), 5, 25, 1500, 2, 150, 60, 8),
    "province": Scale("province", ("410000",), 15, 100, 10_000, 2, 400, 120, 12),
    "national": Scale("national", None, 451, 2426, 200_000, 1, 1000, 200, 20),
}


def get_scale(name: str, years: int | None = None) -> Scale:
    if name not in SCALES:
        raise ValueError(f"未知规模 / unknown scale {name!r}: choose one of {', '.join(SCALES)}")
    scale = SCALES[name]
    if years is not None:
        if years < 1 or years > 10:
            raise ValueError(f"年数须在 1–10 之间 / years must be 1–10, got {years}")
        scale = Scale(**{**scale.__dict__, "years": years})
    return scale
