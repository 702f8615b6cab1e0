"""Check raw tables against the contract: typed good rows plus rejects an operator can act on.

A row breaking the contract is never dropped silently: each problem becomes one reject record with
the file, the line a clerk sees, a reason code and a bilingual reason (CONTRACT.md, "bad input").
All checks are column-wise (pandas / numpy), so they scale to millions of rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contract import CONTRACT, REFERENCED_KEYS, Column, LogicalType, Table
from ingestion.parsing import BAD_CODE, clean_text, parse_column
from ingestion.readers import RawTable
from ingestion.refcodes import load_kinds, resolve_codes
from ingestion.rejects import Issues, build_rejects, quoted
from ingestion.row_rules import check_row_rules, drop_overlaps


@dataclass
class ValidationResult:
    table: str
    source_file: str
    good: pd.DataFrame  # contract columns typed as in ingestion.parsing (timestamps tz Asia/Shanghai);
    # index "source_line" = line in the file
    rejects: pd.DataFrame  # REJECT_COLUMNS, one record per problem, sorted by line
    extra_columns: pd.DataFrame  # columns outside the contract, all rows, index "source_line"
    aliases: dict[str, int] = field(default_factory=dict)  # "column: alias → code" -> rows rewritten

    @property
    def rejected_lines(self) -> set[int]:
        return set(self.rejects["line_no"].tolist())


def _check_columns(table: Table, texts: dict[str, pd.Series], issues: Issues) -> dict[str, pd.Series]:
    typed: dict[str, pd.Series] = {}
    for column in table.columns:
        text = texts[column.name]
        if column.required:
            issues.add(text.isna().to_numpy(), "missing_required", column.name, column.name)
        parsed = parse_column(column, text)
        if parsed.bad.any():
            _add_bad_value(column, text, parsed.bad, issues)
        if parsed.out_of_range.any():
            bounds = f"[{_num(column.min_value)}, {_num(column.max_value)}]"
            detail = quoted(text, column.name) + " " + bounds
            issues.add(parsed.out_of_range, "out_of_range", detail, detail)
        typed[column.name] = parsed.values
    return typed


def _num(value: float | None) -> str:
    return "…" if value is None else f"{value:g}"


def _add_bad_value(column: Column, text: pd.Series, bad: np.ndarray, issues: Issues) -> None:
    detail = quoted(text, column.name)
    if column.type == LogicalType.ENUM:
        allowed = "|".join(column.enum_values)
        zh, en = detail + f"（允许: {allowed}）", detail + f" (allowed: {allowed})"
        issues.add(bad, "unknown_enum", zh, en)
    else:
        issues.add(bad, BAD_CODE[column.type], detail, detail)


class KeyArrays:
    """Parent key sets as Arrow arrays of their text keys, each made once and shared (by the SQL screen and
    this validator, and by every child table of one load): pandas' ``isin`` on Arrow-backed text converts
    every key to an Arrow scalar on each call, and 200k case ids are worth converting once, not twice per
    child table. A set is recognised by identity: the loader hands every child the same parent sets, and
    never changes a set once handed out (``OpenedFolder.check_tables`` makes a new one per table)."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[set[Any], pa.Array]] = {}

    def get(self, key: str, values: set[Any]) -> pa.Array:
        made = self._made.get(key)
        if made is None or made[0] is not values:  # like pandas: only text keys can equal a text value
            made = self._made[key] = (
                values,
                pa.array([k for k in values if isinstance(k, str)], pa.large_string()),
            )
        return made[1]


class _ParentKeys:
    """The parent key sets of a table's foreign keys, as Arrow arrays for ``pc.is_in`` (``KeyArrays``)."""

    def __init__(self, known_keys: Mapping[str, set[Any]], arrays: KeyArrays | None = None) -> None:
        self.known = known_keys
        self.arrays = arrays or KeyArrays()

    def isin(self, values: pd.Series, key: str) -> np.ndarray:
        """``values.isin(known[key])`` as a numpy array, for the present values (callers mask the
        nulls: for them the answer may differ)."""
        if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
            return values.isin(self.known[key]).to_numpy()
        column = values.array.__arrow_array__()
        found = pc.is_in(column, value_set=self.arrays.get(key, self.known[key]).cast(column.type))
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _check_foreign_keys(
    table: Table,
    typed: dict[str, pd.Series],
    parents: _ParentKeys,
    issues: Issues,
    candidate: np.ndarray,
) -> np.ndarray:
    """Flag references to unknown parents; returns the rows still good afterwards."""
    known_keys = parents.known
    for fk in table.foreign_keys:
        values = typed[fk.column]
        detail = quoted(values, fk.column) + f" → {fk.key}"
        if fk.ref_table != table.name:
            if fk.key not in known_keys:
                continue  # parent neither in this import nor supplied: cannot be checked here
            bad = values.notna().to_numpy() & ~parents.isin(values, fk.key)
            issues.add(bad, "unknown_fk", detail, detail)
            candidate = candidate & ~bad
            continue
        # Self-reference (units.parent_code, reviews.parent_review_id): the parent must be a good
        # row of this table or already known; repeat until no row loses its parent.
        outside = set(known_keys.get(fk.key, set()))
        while True:
            keys = outside | set(typed[fk.ref_column][candidate].dropna().tolist())
            bad = candidate & values.notna().to_numpy() & ~values.isin(keys).to_numpy()
            if not bad.any():
                break
            issues.add(bad, "unknown_fk", detail, detail)
            candidate = candidate & ~bad
    return candidate


def _check_duplicates(
    table: Table, typed: dict[str, pd.Series], lines: np.ndarray, candidate: np.ndarray, issues: Issues
) -> np.ndarray:
    """Among otherwise good rows, the first occurrence of a key wins; later ones are rejected."""
    keys = pd.DataFrame({c: typed[c] for c in table.primary_key})
    keys["_line"] = lines
    keys = keys[candidate]
    dup = keys.duplicated(subset=list(table.primary_key), keep="first")
    if not dup.any():
        return candidate
    pk = list(table.primary_key)
    first = keys.groupby(pk, dropna=False, sort=False)["_line"].transform("first")
    positions = np.flatnonzero(candidate)[dup.to_numpy()]
    mask = np.zeros(len(candidate), dtype=bool)
    mask[positions] = True
    dup_keys = keys.loc[dup, pk].astype("str").fillna("NULL")
    shown = dup_keys[pk[0]]
    for column in pk[1:]:
        shown = shown + ", " + dup_keys[column]
    shown = "(" + shown + ")"
    first_line = first[dup].astype("str")
    full_zh = np.full(len(mask), "", dtype=object)
    full_en = full_zh.copy()
    full_zh[positions] = (shown + " 首次出现在第 " + first_line + " 行").to_numpy()
    full_en[positions] = (shown + " first at line " + first_line).to_numpy()
    issues.add(mask, "duplicate_key", pd.Series(full_zh), pd.Series(full_en))
    return candidate & ~mask


def _key_hashes(table: Table, typed: dict[str, pd.Series]) -> np.ndarray:
    """A 64-bit hash of each row's typed primary key: equal keys, equal hashes."""
    keys = pd.DataFrame({c: typed[c] for c in table.primary_key})
    return pd.util.hash_pandas_object(keys, index=False).to_numpy(dtype=np.uint64)


def _drop_duplicates(
    table: Table, raw: RawTable, hashes: np.ndarray, candidate: np.ndarray, issues: Issues
) -> np.ndarray:
    """``_check_duplicates`` over the whole table without holding its typed keys: only rows whose
    key hash repeats can be duplicates, and a key's rows are all among them, so their keys are
    parsed again and compared exactly (same first line, same reasons)."""
    rows = np.flatnonzero(candidate)
    _, inverse, counts = np.unique(hashes[rows], return_inverse=True, return_counts=True)
    return drop_duplicate_suspects(table, raw, rows[counts[inverse] > 1], candidate, issues)


def drop_duplicate_suspects(
    table: Table, raw: RawTable, suspects: np.ndarray, candidate: np.ndarray, issues: Issues
) -> np.ndarray:
    """The exact duplicate check on ``suspects``: every good row whose key may repeat (all the rows
    of such a key), in table order."""
    if not len(suspects):
        return candidate
    typed = {}
    for name in table.primary_key:
        if name in raw.data.columns:
            text = clean_text(raw.data[name].iloc[suspects].reset_index(drop=True))
        else:
            text = pd.Series(np.nan, index=range(len(suspects)), dtype="str")
        typed[name] = parse_column(table.column(name), text).values
    found = Issues()
    kept = _check_duplicates(table, typed, raw.line_no[suspects], np.ones(len(suspects), dtype=bool), found)
    issues.extend(found, suspects)
    result = candidate.copy()
    result[suspects[~kept]] = False
    return result


@dataclass
class _Checked:
    """Row-wise checks of every chunk, before the whole-table duplicate check."""

    issues: Issues
    candidate: np.ndarray  # rows still good after the type and foreign-key checks
    hashes: np.ndarray  # primary-key hash of every row (see ``_drop_duplicates``)
    referenced: dict[str, pd.Series]  # typed columns children refer to, whole table
    aliases: Counter[str]  # rows rewritten per "column: alias → code" (ingestion.refcodes)


def _chunk_size(table: Table, n: int, chunk_rows: int | None) -> int:
    self_referencing = any(fk.ref_table == table.name for fk in table.foreign_keys)
    if chunk_rows is None or self_referencing:  # the parent loop needs the whole table at once
        return max(n, 1)
    return max(chunk_rows, 1)


class Screen(Protocol):
    """A fast check in front of the row-wise checks that stages the rows it is sure of itself
    (``ingestion.sql_screen``); duplicate suspects and good keys then come from its stage."""

    def check(self, part: pd.DataFrame, lines: np.ndarray) -> np.ndarray:
        """Stage the surely-good rows of a chunk; return the positions (in it) of the others."""
        ...

    def duplicate_lines(self) -> np.ndarray: ...

    def unstage(self, lines: np.ndarray) -> None: ...

    def good_keys(self, columns: list[str]) -> dict[str, set[Any]]: ...


def _check_rows(
    table: Table,
    raw: RawTable,
    known_keys: Mapping[str, set[Any]],
    chunk_rows: int | None,
    emit: Callable[[dict[str, pd.Series], np.ndarray, np.ndarray], None],
    screen: Screen | None = None,
    key_arrays: KeyArrays | None = None,
) -> _Checked:
    """Type and foreign-key checks, ``chunk_rows`` rows at a time (each row on its own, so chunking
    changes nothing); ``emit(typed, rows, candidate)`` receives every chunk's typed columns (``rows``:
    their positions). With a ``screen``, only the rows it leaves are checked here (no key hashes then)."""
    n = len(raw.data)
    step = _chunk_size(table, n, chunk_rows)
    kept: dict[str, list[pd.Series]] = {c: [] for c in referenced_columns(table.name)}
    issues = Issues()
    candidate = np.zeros(n, dtype=bool)
    hashes = np.zeros(n, dtype=np.uint64)
    aliases: Counter[str] = Counter()
    kinds = load_kinds()
    parents = _ParentKeys(known_keys, key_arrays)
    for start in range(0, max(n, 1), step):
        part = raw.data.iloc[start : start + step]
        rows = np.arange(start, start + len(part))
        if screen is not None:
            left = screen.check(part, raw.line_no[rows])
            candidate[rows] = True
            part, rows = part.iloc[left], rows[left]
            if not len(rows):
                continue
        part = part.reset_index(drop=True)
        size = len(part)
        null = pd.Series(np.nan, index=range(size), dtype="str")
        texts = {c: clean_text(part[c]) if c in part.columns else null for c in table.column_names}
        del part
        local = Issues()
        aliases.update(resolve_codes(table, texts, local, kinds))  # aliases first, then the type checks
        typed = _check_columns(table, texts, local)
        del texts
        check_row_rules(table, typed, local)
        good = _check_foreign_keys(table, typed, parents, local, ~local.bad_rows(size))
        issues.extend(local, rows)
        candidate[rows] = good
        if screen is None:
            hashes[rows] = _key_hashes(table, typed)
            for column, parts in kept.items():
                parts.append(typed[column])
        emit(typed, rows, good)
    whole = {
        c: pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        for c, parts in kept.items()
        if parts
    }
    return _Checked(issues, candidate, hashes, whole, aliases)


def referenced_columns(name: str) -> list[str]:
    """Columns of table ``name`` that some foreign key points at."""
    return sorted(k.split(".", 1)[1] for k in REFERENCED_KEYS if k.startswith(name + "."))


def validate_table(
    name: str, raw: RawTable, *, known_keys: Mapping[str, set[Any]] | None = None
) -> ValidationResult:
    """Split ``raw`` into typed good rows and rejects.

    ``known_keys`` maps ``"table.column"`` (e.g. ``"cases.case_id"``) to the parent keys already
    known; a foreign key whose parent is absent from the mapping is not checked.
    """
    table = CONTRACT[name]
    frames: list[dict[str, pd.Series]] = []
    checked = _check_rows(table, raw, known_keys or {}, None, lambda typed, _r, _c: frames.append(typed))
    candidate = _drop_duplicates(table, raw, checked.hashes, checked.candidate, checked.issues)
    candidate = drop_overlaps(table, raw, candidate, checked.issues)
    good = pd.DataFrame(frames[0])
    good.index = pd.Index(raw.line_no, name="source_line")
    extra = raw.extra.copy()
    extra.index = pd.Index(raw.line_no, name="source_line")
    return ValidationResult(
        table=name,
        source_file=raw.source,
        good=good[candidate],
        rejects=build_rejects(raw, checked.issues),
        extra_columns=extra,
        aliases=dict(checked.aliases),
    )


@dataclass
class StreamedValidation:
    """Outcome of ``stream_table``: the good rows went to the sink chunk by chunk."""

    table: str
    source_file: str
    rows_good: int
    dropped_lines: np.ndarray  # lines handed to the sink, then rejected as duplicates: remove them
    rejects: pd.DataFrame  # as ValidationResult.rejects
    good_keys: dict[str, set[Any]]  # referenced column -> its values among the good rows
    aliases: dict[str, int]  # as ValidationResult.aliases


def stream_table(
    name: str,
    raw: RawTable,
    sink: Callable[[pd.DataFrame], None],
    *,
    known_keys: Mapping[str, set[Any]] | None = None,
    chunk_rows: int = 250_000,
    screen: Screen | None = None,
    key_arrays: KeyArrays | None = None,
) -> StreamedValidation:
    """``validate_table`` for big files: the same rejects (same lines, codes and reasons), but the
    good rows are handed to ``sink`` ``chunk_rows`` at a time (typed columns plus ``_line_no``)
    instead of being held as one frame. Duplicate keys are only known once every chunk was seen:
    the later copies come back as ``dropped_lines``. A ``screen`` stages the rows it is sure of itself
    (``ingestion.sql_screen``): the rejects and the staged rows are the same as without it. ``key_arrays``:
    the parent keys as Arrow arrays, shared with the screen (made here when not given)."""
    table = CONTRACT[name]

    def emit(typed: dict[str, pd.Series], rows: np.ndarray, good: np.ndarray) -> None:
        if good.any():
            frame = pd.DataFrame(typed)[good].reset_index(drop=True)
            frame["_line_no"] = raw.line_no[rows][good]
            sink(frame)

    checked = _check_rows(table, raw, known_keys or {}, chunk_rows, emit, screen, key_arrays)
    if screen is None:
        final = _drop_duplicates(table, raw, checked.hashes, checked.candidate, checked.issues)
    else:
        suspects = np.searchsorted(raw.line_no, screen.duplicate_lines())
        final = drop_duplicate_suspects(table, raw, suspects, checked.candidate, checked.issues)
    final = drop_overlaps(table, raw, final, checked.issues)
    dropped = raw.line_no[checked.candidate & ~final]
    if screen is None:
        good_keys = {c: set(values[final].dropna().tolist()) for c, values in checked.referenced.items()}
    else:
        screen.unstage(dropped)
        good_keys = screen.good_keys(referenced_columns(name))
    return StreamedValidation(
        table=name,
        source_file=raw.source,
        rows_good=int(final.sum()),
        dropped_lines=dropped,
        rejects=build_rejects(raw, checked.issues),
        good_keys=good_keys,
        aliases=dict(checked.aliases),
    )
