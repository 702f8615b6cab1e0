"""What an application must carry (seed ``ref_licence_materials.csv``) and the completeness check: every
missing item at once, so the applicant is told only once (一次性告知)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from zhifa.licensing.layout import Rule, RuleSet
from zhifa.settings import SEEDS_DIR

KINDS = {
    "new": "新办",
    "renewal": "延续",
    "change": "变更",
    "suspension": "停业",
    "cancellation": "歇业（注销）",
    "replacement": "补办",
}
# kinds that put a (new) business place on the map: checked on site against the layout rules
SITE_CHECKED = frozenset({"new", "change"})


@dataclass(frozen=True)
class Material:
    code: str
    name_zh: str


@lru_cache(maxsize=4)
def required_materials(seeds_dir: Path = SEEDS_DIR) -> dict[str, tuple[Material, ...]]:
    rows: dict[str, list[tuple[int, Material]]] = {k: [] for k in KINDS}
    with (seeds_dir / "ref_licence_materials.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rows[r["application_kind"]].append(
                (int(r["sort_order"]), Material(r["material_code"], r["name_zh"]))
            )
    return {k: tuple(m for _, m in sorted(v, key=lambda t: t[0])) for k, v in rows.items()}


def missing(kind: str, provided: Iterable[str]) -> list[Material]:
    """Every required material of ``kind`` not among the codes provided, in the notice's order."""
    have = set(provided)
    return [m for m in required_materials()[kind] if m.code not in have]


@lru_cache(maxsize=4)
def seed_rule_sets(seeds_dir: Path = SEEDS_DIR) -> tuple[RuleSet, ...]:
    """The built-in layout rules, one set per city and period."""
    groups: dict[tuple[str, str, str], list[Rule]] = {}
    with (seeds_dir / "ref_layout_rules.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rule = Rule(
                kind=r["kind"],
                distance_m=float(r["distance_m"]),
                place_type=r["place_type"] or None,
                max_count=int(r["max_count"]) if r["max_count"] else None,
            )
            groups.setdefault((r["city_code"], r["valid_from"], r["valid_to"]), []).append(rule)
    return tuple(
        RuleSet(city, date.fromisoformat(start), date.fromisoformat(end) if end else None, tuple(rules))
        for (city, start, end), rules in groups.items()
    )
