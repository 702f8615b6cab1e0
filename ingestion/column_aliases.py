"""Header names a bureau's export uses for contract columns (许可证号 → licence_no), from the seed
``ref_column_aliases.csv``: applied when a file is read, before the header check, so the rest of the import
sees contract names only. Matched like code aliases (full-width folded, case-folded, blanks removed).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

COLUMN_ALIAS_SEED = "ref_column_aliases.csv"


def normalised(text: str) -> str:
    """The form aliases are matched in: full-width folded (NFKC), case-folded, blanks removed."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@lru_cache(maxsize=4)
def _aliases(seeds_dir: Path) -> dict[str, dict[str, str]]:
    by_table: dict[str, dict[str, str]] = {}
    with (seeds_dir / COLUMN_ALIAS_SEED).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            table, alias, column = row["table_name"].strip(), row["alias"], row["column_name"].strip()
            known = by_table.setdefault(table, {}).setdefault(normalised(alias), column)
            if known != column:
                raise ValueError(f"{COLUMN_ALIAS_SEED}: {table} {alias!r} → {column} and {known}")
    return by_table


def contract_names(table: str, header: Sequence[str], seeds_dir: Path | None = None) -> list[str]:
    """``header`` with every known alias of ``table`` replaced by its contract column name."""
    from zhifa.settings import SEEDS_DIR

    aliases = _aliases(Path(seeds_dir or SEEDS_DIR)).get(table, {})
    return [aliases.get(normalised(name), name) if name else name for name in header]
