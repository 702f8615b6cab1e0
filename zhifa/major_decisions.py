"""The catalogue of major enforcement decisions (重大执法决定法制审核目录, 行政处罚法 §57–58): which cases
need a legal review, by whom, and which also need a collective discussion. One reading of
``ref_major_decisions.csv`` for the API; the warehouse reads the same seed (int_case_major_decisions.sql) and
a parity test ties the two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from zhifa.reference import load_reference, read_seed
from zhifa.settings import SEEDS_DIR

LEVELS = ("county", "city", "province")  # lowest first: a city reviewer may review what a county one may


@dataclass(frozen=True)
class MajorDecisionFacts:
    """What the catalogue's criteria look at; None: not known (never matches)."""

    fine_amount: Decimal | None = None
    goods_value: Decimal | None = None  # value of the goods to be confiscated (案值)
    hearing_held: bool = False
    marked_complex: bool = False
    transferring: bool = False


@dataclass(frozen=True)
class CatalogueHit:
    code: str
    name_zh: str
    legal_basis: str
    collective_discussion: bool
    reviewer_level: str

    def words(self) -> str:
        return f"{self.name_zh}（{self.legal_basis}）"


@lru_cache(maxsize=1)
def _rows() -> list[dict[str, str]]:
    return list(read_seed(SEEDS_DIR / "ref_major_decisions.csv").to_dict("records"))


def catalogue(province_code: str | None, on: date) -> list[dict[str, str]]:
    """Entries in force on ``on``: the province's row of a code replaces the national one."""
    valid = [
        r
        for r in _rows()
        if date.fromisoformat(r["valid_from"]) <= on
        and (not r["valid_to"] or on <= date.fromisoformat(r["valid_to"]))
    ]
    chosen: dict[str, dict[str, str]] = {}
    for r in valid:
        applies = r["province_code"] in ("", province_code or "")
        if applies and (r["catalogue_code"] not in chosen or r["province_code"]):
            chosen[r["catalogue_code"]] = r
    return list(chosen.values())


def _matches(row: dict[str, str], facts: MajorDecisionFacts, province_code: str | None, on: date) -> bool:
    criterion = row["criterion"]
    if criterion in ("fine_at_least", "goods_value_at_least"):
        amount = facts.fine_amount if criterion == "fine_at_least" else facts.goods_value
        if amount is None:
            return False
        threshold = Decimal(str(load_reference().setting(row["threshold_setting"], province_code, on)))
        return amount >= threshold
    if criterion in ("hearing_held", "marked_complex", "transferring"):
        return bool(getattr(facts, criterion))
    raise ValueError(f"unknown criterion {criterion!r} in ref_major_decisions.csv")


def hits(facts: MajorDecisionFacts, province_code: str | None, on: date) -> list[CatalogueHit]:
    """The catalogue entries a case matches, in catalogue order."""
    return [
        CatalogueHit(
            r["catalogue_code"],
            r["name_zh"],
            r["legal_basis"],
            r["collective_discussion"].lower() == "true",
            r["reviewer_level"],
        )
        for r in catalogue(province_code, on)
        if _matches(r, facts, province_code, on)
    ]


def required_level(found: list[CatalogueHit]) -> str | None:
    """The lowest unit level whose legal reviewer may review every entry found; None when nothing matched."""
    if not found:
        return None
    return max((h.reviewer_level for h in found), key=LEVELS.index)


def may_review(reviewer_level: str, needed: str) -> bool:
    return LEVELS.index(reviewer_level) >= LEVELS.index(needed)
