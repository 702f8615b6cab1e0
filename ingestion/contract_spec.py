"""The building blocks of the bulk contract: logical types, columns, keys, tables, row rules, shorthands.

``ingestion.contract`` (CONTRACT.md's tables) and ``ingestion.contract_licences`` (the licence register,
docs/contract-licences.md) are written with these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class LogicalType(StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATE = "date"
    TIMESTAMP = "timestamp"
    ENUM = "enum"
    EAN13 = "ean13"
    LICENCE12 = "licence12"


@dataclass(frozen=True)
class Column:
    name: str
    type: LogicalType = LogicalType.TEXT
    required: bool = False
    enum_values: tuple[str, ...] = ()
    min_value: float | None = None  # inclusive bounds for int/decimal columns
    max_value: float | None = None
    # Reference-coded columns: the code kind (its known codes and aliases: ingestion.refcodes) and
    # whether a cell holds several ';'-separated codes.
    codes: str | None = None
    multi: bool = False


@dataclass(frozen=True)
class ForeignKey:
    column: str
    ref_table: str
    ref_column: str

    @property
    def key(self) -> str:
        """Name of the key set in ``known_keys`` mappings, e.g. ``"cases.case_id"``."""
        return f"{self.ref_table}.{self.ref_column}"


@dataclass(frozen=True)
class Ordered:
    """``later`` must not come before ``earlier`` when both are given (dates reversed otherwise)."""

    earlier: str
    later: str


@dataclass(frozen=True)
class SamePrefix:
    """The first ``length`` characters of ``column`` equal ``other`` (a licence number's division)."""

    column: str
    other: str
    length: int


@dataclass(frozen=True)
class RequiredWhen:
    """``column`` must be given when ``when`` holds one of ``values``."""

    column: str
    when: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class NoOverlap:
    """Rows with the same ``key`` must not have overlapping [``start``, ``end``] periods (inclusive; a
    null end is open). Checked over the whole table after the duplicate check."""

    key: str
    start: str
    end: str


RowRule = Ordered | SamePrefix | RequiredWhen | NoOverlap


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    reference_data: bool = False  # optional bureau-supplied reference data (CONTRACT "optional")
    rules: tuple[RowRule, ...] = ()  # checks across a row's columns or rows (ingestion.row_rules)
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {c.name: c for c in self.columns}
        if len(by_name) != len(self.columns):
            raise ValueError(f"duplicate column in contract table {self.name}")
        for name in self.primary_key:
            if name not in by_name:
                raise ValueError(f"{self.name}: primary key column {name} not in columns")
        for fk in self.foreign_keys:
            if fk.column not in by_name:
                raise ValueError(f"{self.name}: foreign key column {fk.column} not in columns")
        for rule in self.rules:
            for name in vars(rule).values():
                if isinstance(name, str) and name not in by_name:
                    raise ValueError(f"{self.name}: rule column {name} not in columns")
        object.__setattr__(self, "_by_name", by_name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return self._by_name[name]

    def has_column(self, name: str) -> bool:
        return name in self._by_name


# --- shorthands keeping the table definitions below readable -------------------------------------
T = LogicalType


def _c(
    name: str,
    type_: LogicalType = T.TEXT,
    req: bool = False,
    min_value: float | None = None,
    max_value: float | None = None,
) -> Column:
    return Column(name, type_, req, min_value=min_value, max_value=max_value)


def _enum(name: str, values: str, kind: str, req: bool = False) -> Column:
    return Column(name, T.ENUM, req, tuple(values.split()), codes=kind)


def _coded(name: str, kind: str, req: bool = False, values: str = "", multi: bool = False) -> Column:
    """A text column holding codes of the reference data (``values``: a vocabulary fixed here)."""
    return Column(name, T.TEXT, req, tuple(values.split()), codes=kind, multi=multi)


def _money(*names: str) -> list[Column]:
    return [Column(n, T.DECIMAL, min_value=0) for n in names]


def _ts(*names: str) -> list[Column]:
    return [Column(n, T.TIMESTAMP) for n in names]


def _fk(column: str, ref: str) -> ForeignKey:
    table, _, ref_column = ref.partition(".")
    return ForeignKey(column, table, ref_column)
