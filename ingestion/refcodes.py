"""Reference-coded columns at import: aliases rewritten to canonical codes, unknown codes quarantined.

A contract column with ``codes`` set (ingestion.contract) holds codes of one *kind*: a vocabulary of the
contract (enums, officer roles) or of the reference data (violation types, document types). Bureaus export
their own codes and Chinese names, so each kind has aliases — ``ref_code_aliases.csv`` plus the Chinese
names the reference tables already carry (docs/reference-data.md) — applied before the check.

Work is per distinct value (``pd.factorize``), never per row, so a column of millions of rows with a few
dozen distinct codes costs one hash pass.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.column_aliases import normalised as normalised
from ingestion.contract import CONTRACT, Column, LogicalType, Table
from ingestion.rejects import Issues

ALIAS_SEED = "ref_code_aliases.csv"
# kind -> (reference table that lists the codes, its code column, columns whose values are aliases too)
SEED_KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "violation_code": ("ref_violation_types", "violation_code", ("name_zh",)),
    "doc_type": ("ref_document_types", "doc_type", ("name_zh", "title_keywords")),
}
SEPARATORS = (";", "；", ",", "，", "、")  # between the codes of a multi-code cell
SUGGESTED_UNKNOWN = 200  # distinct unknown values per chunk that get a "closest code" hint


@dataclass(frozen=True)
class Kind:
    """One kind of code: the canonical codes, where they are listed, and the aliases by normalised form."""

    name: str
    codes: frozenset[str]
    listed_in: str  # shown to the clerk: where the valid codes are
    aliases: Mapping[str, str]  # normalised alias (or code) -> canonical code


class AliasConflictError(ValueError):
    """The alias table maps one alias to two codes, or makes a code an alias of another."""


def build_kinds(
    reference_codes: Mapping[str, tuple[frozenset[str], str, Mapping[str, str]]], aliases: pd.DataFrame
) -> dict[str, Kind]:
    """Kinds from the contract's vocabularies and ``reference_codes`` (kind -> codes, where they are
    listed, Chinese names -> code), with ``aliases`` (columns kind, alias, code) on top."""
    sources: dict[str, tuple[frozenset[str], str]] = {
        kind: (codes, listed) for kind, (codes, listed, _) in reference_codes.items()
    }
    for table in CONTRACT.values():
        for column in table.columns:
            if column.codes and column.enum_values:  # a vocabulary of the contract: shown in full
                codes = sources.get(column.codes, (frozenset(), ""))[0] | frozenset(column.enum_values)
                sources[column.codes] = (codes, "CONTRACT.md: " + "|".join(sorted(codes)))
    mapping: dict[str, dict[str, str]] = {kind: {} for kind in sources}

    def add(kind: str, alias: str, code: str, origin: str) -> None:
        key = normalised(alias)
        known = mapping[kind].get(key)
        if known is not None and known != code:
            raise AliasConflictError(
                f"别名冲突 / alias conflict in {origin}: {kind} {alias!r} → {code} and {known}"
            )
        mapping[kind][key] = code

    for kind, (codes, _listed) in sources.items():
        for code in codes:
            add(kind, code, code, "the codes themselves")
    for kind, (_codes, _listed, names) in reference_codes.items():
        for name, code in names.items():
            add(kind, name, code, f"the names of {sources[kind][1]}")
    for row in aliases.itertuples(index=False):
        kind, alias, code = str(row.kind), str(row.alias), str(row.code)
        if not normalised(alias):
            raise AliasConflictError(f"{ALIAS_SEED}: 别名为空 / empty alias for {kind} → {code!r}")
        if kind not in sources:
            raise AliasConflictError(
                f"{ALIAS_SEED}: 未知的代码类别 / unknown kind {kind!r} (alias {alias!r})"
            )
        if code not in sources[kind][0]:
            raise AliasConflictError(f"{ALIAS_SEED}: {kind} {alias!r} → {code!r}, which is not a {kind} code")
        add(kind, alias, code, ALIAS_SEED)
    return {
        kind: Kind(kind, codes, listed, mapping[kind]) for kind, (codes, listed) in sorted(sources.items())
    }


@lru_cache(maxsize=4)
def _kinds(seeds_dir: Path) -> dict[str, Kind]:
    from zhifa.reference import load_reference, read_seed

    ref = load_reference(seeds_dir)
    frames = {"violation_code": ref.violation_types, "doc_type": ref.document_types}
    reference_codes = {}
    for kind, (seed, code_column, name_columns) in SEED_KINDS.items():
        frame = frames[kind]
        names: dict[str, str] = {}
        for column in name_columns:
            for code, cell in zip(frame[code_column], frame[column], strict=True):
                for name in str(cell).split(";") if pd.notna(cell) else ():
                    names[name.strip()] = code
        reference_codes[kind] = (frozenset(frame[code_column]), seed, names)
    return build_kinds(reference_codes, read_seed(seeds_dir / ALIAS_SEED))


def load_kinds(seeds_dir: Path | None = None) -> dict[str, Kind]:
    """Every code kind with its aliases, from the seeds (cached)."""
    from zhifa.settings import SEEDS_DIR

    return _kinds(Path(seeds_dir or SEEDS_DIR))


def _resolve_one(value: str, kind: Kind, multi: bool) -> str | None:
    """The canonical form of a cell, or None when some code in it is unknown."""
    if value in kind.codes:
        return value
    code = kind.aliases.get(normalised(value))
    if code is not None or not multi:
        return code
    parts = [value]
    for sep in SEPARATORS:
        parts = [p for part in parts for p in part.split(sep)]
    resolved = [_resolve_one(p.strip(), kind, False) for p in parts if p.strip()]
    if not resolved or any(r is None for r in resolved):
        return None
    return ";".join(dict.fromkeys(r for r in resolved if r is not None))


def _closest(value: str, kind: Kind) -> str | None:
    found = difflib.get_close_matches(normalised(value), list(kind.aliases), n=1, cutoff=0.75)
    return kind.aliases[found[0]] if found else None


def resolve_codes(
    table: Table, texts: dict[str, pd.Series], issues: Issues, kinds: Mapping[str, Kind]
) -> Counter[str]:
    """Rewrite aliases in the cleaned text columns of ``table`` (in place) and flag unknown codes of
    the reference data; returns rows rewritten per ``"column: alias → code"``. Unknown values of enum
    columns are left for the enum check, which names the allowed values."""
    rewritten: Counter[str] = Counter()
    for column in table.columns:
        if not column.codes:
            continue
        kind = kinds[column.codes]
        text = texts[column.name]
        positions, uniques = pd.factorize(text, use_na_sentinel=True)
        if not len(uniques):
            continue
        values = list(uniques)
        resolved = [_resolve_one(v, kind, column.multi) for v in values]
        if all(r == v for r, v in zip(resolved, values, strict=True)):
            continue  # the usual case: every value already a canonical code
        counts = np.bincount(positions[positions >= 0], minlength=len(values))
        for value, code, n in zip(values, resolved, counts, strict=True):
            if code is not None and code != value:
                rewritten[f"{column.name}: {value} → {code}"] += int(n)
        shown = pd.array([v if r is None else r for v, r in zip(values, resolved, strict=True)], dtype="str")
        texts[column.name] = pd.Series(shown.take(positions, allow_fill=True), index=text.index)
        if column.type != LogicalType.ENUM:
            unknown = np.array([r is None for r in resolved])
            _flag_unknown(column, kind, values, unknown, positions, issues)
    return rewritten


def _flag_unknown(
    column: Column,
    kind: Kind,
    values: list[str],
    unknown: np.ndarray,
    positions: np.ndarray,
    issues: Issues,
) -> None:
    if not unknown.any():
        return
    hint_zh, hint_en = [], []
    for i, value in enumerate(values):
        close = _closest(value, kind) if unknown[i] and i < SUGGESTED_UNKNOWN else None
        hint_zh.append(f"；相近代码 {close}" if close else "")
        hint_en.append(f"; closest code {close}" if close else "")
    where = f"{kind.listed_in}，或在 {ALIAS_SEED} 登记别名"
    where_en = f"{kind.listed_in}, or register an alias in {ALIAS_SEED}"
    cells = [str(v)[:80] for v in values]
    zh = [f"{column.name} = '{c}'（有效代码见 {where}{h}）" for c, h in zip(cells, hint_zh, strict=True)]
    en = [f"{column.name} = '{c}' (valid codes: {where_en}{h})" for c, h in zip(cells, hint_en, strict=True)]
    index = np.maximum(positions, 0)
    bad_rows = (positions >= 0) & unknown[index]
    # one message per distinct value; rows point at theirs (categorical codes: no string per row)
    issues.add(bad_rows, "unknown_code", _per_row(zh, index), _per_row(en, index))


def _per_row(messages: list[str], index: np.ndarray) -> pd.Series:
    codes, distinct = pd.factorize(pd.Series(messages, dtype=object))  # values cut at 80 chars may collide
    return pd.Series(pd.Categorical.from_codes(codes[index], categories=distinct))
