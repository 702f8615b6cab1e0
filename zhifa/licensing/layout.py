"""Layout rules (合理布局, DOMAIN.md §10): a city's rule set, in force between two dates, says how close a new
retail site may be to licensed retailers and to protected places. A rule set that contradicts itself is
refused before it is saved; each rule's outcome on a site is explained in words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from zhifa.licensing.geo import haversine_m

KINDS = {
    "retailer_min_distance": "零售户最小间距",
    "retailer_max_count": "范围内零售户数量上限",
    "place_exclusion": "特殊场所禁设范围",
}
# places the layout data knows; a place exclusion names one of them
PLACE_TYPES = {"school": "学校", "hospital": "医院", "kindergarten": "幼儿园", "market": "集贸市场"}


class RuleSetError(ValueError):
    """A rule set that cannot be applied: each problem in words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Rule:
    kind: str
    distance_m: float
    place_type: str | None = None  # place_exclusion only
    max_count: int | None = None  # retailer_max_count only: at most this many within distance_m

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.kind, self.place_type)


@dataclass(frozen=True)
class RuleSet:
    city_code: str
    valid_from: date
    valid_to: date | None
    rules: tuple[Rule, ...]

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class Site:
    """A licensed retailer or a protected place on the map."""

    kind: str  # retailer | one of PLACE_TYPES
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Nearest:
    kind: str
    name: str
    distance_m: float


@dataclass(frozen=True)
class Outcome:
    kind: str
    passed: bool
    text_zh: str


def _rule_problems(r: Rule) -> list[str]:
    name = KINDS.get(r.kind)
    if name is None:
        return [f"未知规则类型 {r.kind}"]
    out = []
    if not r.distance_m > 0:
        out.append(f"{name}的距离须大于 0 米")
    if r.kind == "place_exclusion" and r.place_type not in PLACE_TYPES:
        out.append(f"{name}须指明场所类型（{'、'.join(PLACE_TYPES.values())}）")
    if r.kind != "place_exclusion" and r.place_type is not None:
        out.append(f"{name}不适用场所类型")
    if r.kind == "retailer_max_count" and (r.max_count is None or r.max_count < 1):
        out.append(f"{name}须至少为 1 家")
    return out


def validate(rule_set: RuleSet) -> None:
    """Refuse a rule set that contradicts itself: the same rule twice, impossible values, an empty period."""
    problems: list[str] = []
    if rule_set.valid_to is not None and rule_set.valid_to < rule_set.valid_from:
        problems.append(f"有效期止 {rule_set.valid_to} 早于有效期起 {rule_set.valid_from}")
    if not rule_set.rules:
        problems.append("规则集为空")
    seen: dict[tuple[str, str | None], Rule] = {}
    for r in rule_set.rules:
        problems += _rule_problems(r)
        first = seen.get(r.key)
        if first is not None:
            label = KINDS.get(r.kind, r.kind) + (
                f"（{PLACE_TYPES.get(r.place_type, r.place_type)}）" if r.place_type else ""
            )
            same = first == r
            problems.append(f"{label}重复{'' if same else '且取值矛盾'}：{_value(first)} 与 {_value(r)}")
        seen.setdefault(r.key, r)
    if problems:
        raise RuleSetError(problems)


def overlapping(new: RuleSet, existing: Iterable[RuleSet]) -> list[RuleSet]:
    """Rule sets of the same city whose periods share a day with ``new``: two sets in force at once."""
    far = date.max
    return [
        s
        for s in existing
        if s.city_code == new.city_code
        and s.valid_from <= (new.valid_to or far)
        and new.valid_from <= (s.valid_to or far)
    ]


def _value(r: Rule) -> str:
    return f"{r.distance_m:g} 米" + (f" {r.max_count} 家" if r.max_count is not None else "")


def _m(x: float) -> str:
    return f"{round(x):d} 米"


def nearest(lat: float, lon: float, sites: Iterable[Site], kind: str) -> Nearest | None:
    best: Nearest | None = None
    for s in sites:
        if s.kind != kind:
            continue
        d = haversine_m(lat, lon, s.lat, s.lon)
        if best is None or d < best.distance_m:
            best = Nearest(kind, s.name, d)
    return best


def evaluate(lat: float, lon: float, rules: Sequence[Rule], sites: Sequence[Site]) -> list[Outcome]:
    """Each rule's outcome at the point, in words (“距最近零售户 23 米，低于本区最小间距 30 米”)."""
    out: list[Outcome] = []
    for r in rules:
        if r.kind == "retailer_min_distance":
            n = nearest(lat, lon, sites, "retailer")
            if n is None:
                out.append(Outcome(r.kind, True, f"周边无已许可零售户，满足本区最小间距 {_m(r.distance_m)}"))
            elif n.distance_m < r.distance_m:
                text = f"距最近零售户 {_m(n.distance_m)}，低于本区最小间距 {_m(r.distance_m)}"
                out.append(Outcome(r.kind, False, text))
            else:
                text = f"距最近零售户 {_m(n.distance_m)}，不低于本区最小间距 {_m(r.distance_m)}"
                out.append(Outcome(r.kind, True, text))
        elif r.kind == "retailer_max_count":
            within = sum(
                s.kind == "retailer" and haversine_m(lat, lon, s.lat, s.lon) <= r.distance_m for s in sites
            )
            limit = r.max_count or 0
            ok = within < limit
            verb = "未达" if ok else "已达"
            text = f"周边 {_m(r.distance_m)}内已有零售户 {within} 家，{verb}本区上限 {limit} 家"
            out.append(Outcome(r.kind, ok, text))
        else:
            place = PLACE_TYPES.get(r.place_type or "", r.place_type or "")
            n = nearest(lat, lon, sites, r.place_type or "")
            if n is None or n.distance_m >= r.distance_m:
                where = f"距最近{place}（{n.name}）{_m(n.distance_m)}" if n else f"周边无{place}"
                out.append(Outcome(r.kind, True, f"{where}，不在{place}周边 {_m(r.distance_m)}禁设范围内"))
            else:
                text = (
                    f"距最近{place}（{n.name}）{_m(n.distance_m)}，在{place}周边 {_m(r.distance_m)}禁设范围内"
                )
                out.append(Outcome(r.kind, False, text))
    return out
