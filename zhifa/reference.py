"""Reference data (seeds under dbt_project/seeds): statutes, discretion benchmarks, price basis, settings,
document types and review rules — the same files dbt loads, read here for Python code.

Provenance of every value: docs/reference-data.md. A bureau's own tables (CONTRACT.md optional tables) are
layered on top with :meth:`ReferenceData.with_overrides`.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from zhifa.settings import SEEDS_DIR

NATIONAL = "000000"

SEED_FILES = {
    "violation_types": "ref_violation_types.csv",
    "discretion_tiers": "ref_discretion_tiers.csv",
    "price_basis": "ref_price_basis.csv",
    "settings": "ref_settings.csv",
    "document_types": "ref_document_types.csv",
    "review_rules": "ref_review_rules.csv",
}

TIER_COLUMNS = [
    "province_code",
    "violation_code",
    "tier",
    "tier_label",
    "amount_min",
    "amount_max",
    "quantity_min",
    "quantity_max",
    "quantity_unit",
    "min_prior_offences",
    "rate_min",
    "rate_max",
    "rate_default",
    "valid_from",
    "valid_to",
]
PRICE_BASIS_COLUMNS = ["province_code", "price_type", "valid_from", "valid_to"]
SETTINGS_COLUMNS = ["province_code", "key", "value", "valid_from"]

# per table: float columns, nullable-int columns, bool columns, date columns; the rest stay text
_SCHEMA: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "violation_types": (
        ["rate_min", "rate_max", "fixed_amount_min", "fixed_amount_max"],
        [],
        ["confiscate_goods"],
        [],
    ),
    "discretion_tiers": (
        ["amount_min", "amount_max", "quantity_min", "quantity_max", "rate_min", "rate_max", "rate_default"],
        ["tier", "min_prior_offences"],
        [],
        ["valid_from", "valid_to"],
    ),
    "price_basis": ([], [], [], ["valid_from", "valid_to"]),
    "settings": ([], [], [], ["valid_from"]),
    "document_types": ([], ["filing_order"], ["needs_service_receipt"], []),
    "review_rules": (["deduct_points"], [], ["veto", "needs_human"], []),
}
# CONTRACT.md required columns of the tables a bureau may supply; optional ones are added empty
_REQUIRED = {
    "discretion_tiers": ["province_code", "violation_code", "tier", "rate_min", "rate_max", "rate_default"],
    "price_basis": ["province_code", "price_type", "valid_from"],
    "settings": ["key", "value"],
}
_COLUMNS = {
    "discretion_tiers": TIER_COLUMNS,
    "price_basis": PRICE_BASIS_COLUMNS,
    "settings": SETTINGS_COLUMNS,
}
_QTY_UNIT_ZH = {"carton": "条", "stick": "支", "kg": "千克"}
_TRUE = {"true", "1", "yes", "t", "y"}


def _normalise(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Text in, typed out: codes stay text (province 000000 keeps its zeros), empty cells become NA."""
    missing = [c for c in _REQUIRED.get(name, []) if c not in frame.columns]
    if missing:
        raise ValueError(f"参考数据 {name} 缺少列 / reference table {name} lacks columns: {missing}")
    df = frame.reindex(columns=_COLUMNS[name]) if name in _COLUMNS else frame.copy()
    floats, ints, bools, dates = _SCHEMA[name]
    for col in df.columns:
        if (col in dates and pd.api.types.is_datetime64_any_dtype(df[col])) or (
            col in bools and pd.api.types.is_bool_dtype(df[col])
        ):
            continue  # already typed (a ReferenceData built from another one)
        text = df[col].astype("string").str.strip()
        text = text.mask(text == "")
        if col in floats:
            df[col] = pd.to_numeric(text, errors="raise").astype("float64")
        elif col in ints:
            df[col] = pd.to_numeric(text, errors="raise").astype("Int64")
        elif col in bools:
            df[col] = text.fillna("false").str.lower().isin(_TRUE)
        elif col in dates:
            df[col] = pd.to_datetime(text, format="ISO8601").dt.normalize()
        else:
            df[col] = text
    if "province_code" in df.columns and name != "settings":
        df["province_code"] = df["province_code"].fillna(NATIONAL)
    return df.reset_index(drop=True)


def _parse_value(raw: Any) -> float | str:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return str(raw)


def _valid_on(df: pd.DataFrame, on: date) -> pd.Series:
    ts = pd.Timestamp(on)
    start_ok = df["valid_from"].isna() | (df["valid_from"] <= ts)
    end_ok = df["valid_to"].isna() | (df["valid_to"] >= ts) if "valid_to" in df.columns else True
    return start_ok & end_ok


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


@dataclass(frozen=True)
class TierChoice:
    province_code: str
    violation_code: str
    tier: int
    tier_label: str | None
    rate_min: float
    rate_max: float
    rate_default: float
    reasons: tuple[str, ...]  # Chinese, e.g. "案值 5200.00 元 ≥ 5000 元 → 三档"
    source_province: str  # province whose benchmark applied ("000000" if national default)


def _band_reason(what: str, value: Any, lo: Any, hi: Any, unit: str, label: str) -> str:
    shown = f"{what} {value:.2f} {unit}"
    if lo is not None and hi is not None:
        return f"{shown} 在 [{_fmt(lo)}, {_fmt(hi)}) {unit} 区间 → {label}"
    if lo is not None:
        return f"{shown} ≥ {_fmt(lo)} {unit} → {label}"
    return f"{shown} < {_fmt(hi)} {unit} → {label}"


def _in_band(value: float | None, lo: float | None, hi: float | None) -> bool:
    """Band test (min inclusive, max exclusive); a band with neither bound is no criterion."""
    if value is None or (lo is None and hi is None):
        return False
    return (lo is None or value >= lo) and (hi is None or value < hi)


class ReferenceData:
    """Typed reference tables with the look-ups the pipeline, API and review engine share."""

    def __init__(
        self,
        violation_types: pd.DataFrame,
        discretion_tiers: pd.DataFrame,
        price_basis: pd.DataFrame,
        settings: pd.DataFrame,
        document_types: pd.DataFrame,
        review_rules: pd.DataFrame,
    ) -> None:
        self.violation_types = _normalise("violation_types", violation_types)
        self.discretion_tiers = _normalise("discretion_tiers", discretion_tiers)
        self.price_basis = _normalise("price_basis", price_basis)
        self.settings = _normalise("settings", settings)
        self.document_types = _normalise("document_types", document_types)
        self.review_rules = _normalise("review_rules", review_rules)
        self.review_rules["condition"] = self.review_rules["condition"].fillna("")
        # The tables never change after construction, so look-ups are memoised: the generator and the
        # pipeline ask the same (province, date) questions hundreds of thousands of times.
        self._memo: dict[tuple[Any, ...], Any] = {}

    def _cached(self, key: tuple[Any, ...], compute: Any) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # statutes ------------------------------------------------------------------------------------------
    def violation(self, code: str) -> dict[str, Any]:
        return dict(self._cached(("violation", code), lambda: self._violation(code)))

    def _violation(self, code: str) -> dict[str, Any]:
        rows = self.violation_types[self.violation_types["violation_code"] == code]
        if rows.empty:
            known = ", ".join(self.violation_types["violation_code"])
            raise KeyError(f"未知的违法行为代码 / unknown violation code: {code!r} (known: {known})")
        row = rows.iloc[0].to_dict()
        return {str(k): (None if pd.isna(v) else getattr(v, "item", lambda v=v: v)()) for k, v in row.items()}

    def statutory_range(self, code: str) -> tuple[float | None, float | None]:
        """Statutory fine rate range (fine ÷ base); (None, None) for fixed-amount violations."""
        v = self.violation(code)
        return v["rate_min"], v["rate_max"]

    def statutory_amounts(self, code: str, base_amount: float | None) -> tuple[float | None, float | None]:
        """Statutory fine range in yuan: rate × base, or the fixed amounts; None where unknown."""
        v = self.violation(code)
        if v["rate_min"] is None:
            return v["fixed_amount_min"], v["fixed_amount_max"]
        if base_amount is None:
            return None, None
        return v["rate_min"] * base_amount, v["rate_max"] * base_amount

    # discretion benchmark --------------------------------------------------------------------------------
    def tiers_for(self, province_code: str, violation_code: str, on: date) -> pd.DataFrame:
        """The province's tiers valid on ``on``; else the national default (000000); sorted by tier."""
        t = self.discretion_tiers
        t = t[(t["violation_code"] == violation_code) & _valid_on(t, on)]
        for prov in (province_code, NATIONAL):
            rows = t[t["province_code"] == prov]
            if not rows.empty:
                return rows.sort_values("tier").reset_index(drop=True)
        return t.iloc[0:0]

    def _tier_records(self, violation_code: str) -> list[dict[str, Any]]:
        def build() -> list[dict[str, Any]]:
            t = self.discretion_tiers
            rows = t[t["violation_code"] == violation_code].sort_values("tier").to_dict("records")
            out = [{str(k): (None if pd.isna(v) else v) for k, v in row.items()} for row in rows]
            for r in out:  # plain dates so the per-call filter stays in Python
                for col in ("valid_from", "valid_to"):
                    r[col] = None if r[col] is None else pd.Timestamp(r[col]).date()
            return out

        return list(self._cached(("tier_records", violation_code), build))

    def select_tier(
        self,
        province_code: str,
        violation_code: str,
        on: date,
        *,
        base_amount: float | None,
        quantity: Mapping[str, float] | None = None,
        prior_offences: int = 0,
    ) -> TierChoice | None:
        """Highest tier any of whose given criteria the case meets (CONTRACT.md); None if none matches."""
        records = [
            r
            for r in self._tier_records(violation_code)
            if (r["valid_from"] is None or r["valid_from"] <= on)
            and (r["valid_to"] is None or on <= r["valid_to"])
        ]
        own = [r for r in records if r["province_code"] == province_code]
        records = own or [r for r in records if r["province_code"] == NATIONAL]
        quantity = quantity or {}
        best: TierChoice | None = None
        for r in records:
            label = r["tier_label"] or f"{r['tier']}档"
            reasons: list[str] = []
            if _in_band(base_amount, r["amount_min"], r["amount_max"]):
                reasons.append(
                    _band_reason("案值", base_amount, r["amount_min"], r["amount_max"], "元", label)
                )
            unit = r["quantity_unit"]
            qty = quantity.get(unit) if unit else None
            if _in_band(qty, r["quantity_min"], r["quantity_max"]):
                zh = _QTY_UNIT_ZH.get(unit, unit)
                reasons.append(_band_reason("数量", qty, r["quantity_min"], r["quantity_max"], zh, label))
            if r["min_prior_offences"] is not None and prior_offences >= r["min_prior_offences"]:
                reasons.append(f"3年内违法 {prior_offences} 次 ≥ {r['min_prior_offences']} 次 → {label}")
            if reasons and (best is None or r["tier"] > best.tier):
                source = str(r["province_code"])
                if source != province_code:
                    reasons.append(f"本省（{province_code}）无有效裁量基准，适用全国默认基准")
                best = TierChoice(
                    province_code=province_code,
                    violation_code=violation_code,
                    tier=int(r["tier"]),
                    tier_label=r["tier_label"],
                    rate_min=float(r["rate_min"]),
                    rate_max=float(r["rate_max"]),
                    rate_default=float(r["rate_default"]),
                    reasons=tuple(reasons),
                    source_province=source,
                )
        return best

    # prices ------------------------------------------------------------------------------------------
    def price_type(self, province_code: str, on: date) -> str:
        """'retail_suggested' | 'wholesale': which catalog price values seized goods there and then."""
        return str(
            self._cached(("price_type", province_code, on), lambda: self._price_type(province_code, on))
        )

    def _price_type(self, province_code: str, on: date) -> str:
        pb = self.price_basis[_valid_on(self.price_basis, on)]
        for prov in (province_code, NATIONAL):
            rows = pb[pb["province_code"] == prov].sort_values("valid_from")
            if not rows.empty:
                return str(rows.iloc[-1]["price_type"])
        raise LookupError(f"{on} 无有效计价依据 / no price basis valid on {on} for {province_code}")

    # settings ----------------------------------------------------------------------------------------
    def _settings_rows(self, province_code: str | None, on: date | None) -> pd.DataFrame:
        s = self.settings
        if on is not None:
            s = s[s["valid_from"].isna() | (s["valid_from"] <= pd.Timestamp(on))]
        national = s["province_code"].isna() | (s["province_code"] == "")
        mine = national | ((s["province_code"] == province_code) if province_code else False)
        s = s[mine].assign(_rank=(~national[mine]).astype(int))
        # province row beats national; then the latest valid_from wins
        return s.sort_values(["key", "_rank", "valid_from"], na_position="first").groupby("key").tail(1)

    def first_day(self) -> date | None:
        """The first day a dated setting or price basis covers (None when nothing is dated). Cached: the
        deadlines of every open case ask it once per case."""

        def compute() -> date | None:
            starts = pd.concat([self.settings["valid_from"], self.price_basis["valid_from"]]).dropna()
            return None if starts.empty else pd.Timestamp(starts.min()).date()

        first: date | None = self._cached(("first_day",), compute)
        return first

    def setting(self, key: str, province_code: str | None = None, on: date | None = None) -> float | str:
        values = self._cached(("settings", province_code, on), lambda: self.settings_for(province_code, on))
        if key not in values:
            if key not in set(self.settings["key"]):
                raise KeyError(f"未知的设置项 / unknown setting: {key!r}")
            raise KeyError(f"设置项 {key} 在 {on} 尚未生效 / setting {key!r} not yet valid on {on}")
        value: float | str = values[key]
        return value

    def settings_for(self, province_code: str | None, on: date | None = None) -> dict[str, float | str]:
        rows = self._settings_rows(province_code, on)
        return {str(k): _parse_value(v) for k, v in zip(rows["key"], rows["value"], strict=True)}

    # documents ---------------------------------------------------------------------------------------
    def required_documents(self, conditions: Set[str]) -> list[str]:
        """Doc types (filing order) whose ``required_when`` is 'always' or one of ``conditions``."""

        def compute() -> list[str]:
            d = self.document_types
            d = d[d["required_when"].isin({"always", *conditions})].sort_values("filing_order")
            return [str(x) for x in d["doc_type"]]

        return list(self._cached(("required_documents", frozenset(conditions)), compute))

    # bureau overrides --------------------------------------------------------------------------------
    def with_overrides(
        self,
        *,
        discretion_tiers: pd.DataFrame | None = None,
        price_basis: pd.DataFrame | None = None,
        settings: pd.DataFrame | None = None,
    ) -> ReferenceData:
        """A copy where a bureau's tables replace the built-in rows they cover: tiers per (province,
        violation), price basis per province, settings per (province, key). Other rows are kept."""

        def layer(name: str, base: pd.DataFrame, extra: pd.DataFrame | None, keys: list[str]) -> pd.DataFrame:
            if extra is None or extra.empty:
                return base
            new = _normalise(name, extra)
            covered = new[keys].drop_duplicates().fillna("")
            marker = base[keys].fillna("").merge(covered, on=keys, how="left", indicator=True)["_merge"]
            kept = base[(marker == "left_only").to_numpy()]
            return pd.concat([kept, new], ignore_index=True)

        return ReferenceData(
            self.violation_types,
            layer(
                "discretion_tiers",
                self.discretion_tiers,
                discretion_tiers,
                ["province_code", "violation_code"],
            ),
            layer("price_basis", self.price_basis, price_basis, ["province_code"]),
            layer("settings", self.settings, settings, ["province_code", "key"]),
            self.document_types,
            self.review_rules,
        )


def read_seed(path: Path) -> pd.DataFrame:
    """A seed CSV as text (codes keep their leading zeros; empty cells stay empty)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@lru_cache(maxsize=4)
def _load(seeds_dir: Path) -> ReferenceData:
    frames = {name: read_seed(seeds_dir / fname) for name, fname in SEED_FILES.items()}
    return ReferenceData(**frames)


def load_reference(seeds_dir: Path = SEEDS_DIR) -> ReferenceData:
    """Built-in reference data from the dbt seeds (cached per folder; treat the frames as read-only)."""
    return _load(Path(seeds_dir).resolve())
