"""Contract folders (or .zip files of one): every table read and checked, parents first.

A folder's tables are validated in ``TABLE_LOAD_ORDER`` so each child's foreign keys are checked against
its parents' good keys (``ingestion.validate`` checks one table).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from ingestion.archive import safe_extract
from ingestion.contract import TABLE_LOAD_ORDER
from ingestion.readers import FolderListing, RawTable, TableReadError, conflict_error, read_table, scan_folder
from ingestion.rejects import empty_rejects
from ingestion.validate import ValidationResult, referenced_columns, validate_table

KeySets = dict[str, set[Any]]  # referenced column -> its values among a table's good rows
R = TypeVar("R")


@dataclass
class FileError:
    file: str
    table: str | None
    message: str


@dataclass
class FolderValidation:
    source: Path
    tables: dict[str, ValidationResult]
    file_errors: list[FileError]
    ignored_files: list[str]
    manifest: dict[str, Any] | None

    def all_rejects(self) -> pd.DataFrame:
        frames = [r.rejects for r in self.tables.values() if len(r.rejects)]
        return pd.concat(frames, ignore_index=True) if frames else empty_rejects()


def validate_folder(
    path: Path,
    *,
    known_keys: Mapping[str, set[Any]] | None = None,
    max_unzipped_bytes: int | None = None,
    tables: Collection[str] | None = None,
) -> FolderValidation:
    """Validate every contract table of a folder (or .zip) in ``TABLE_LOAD_ORDER``.

    Good keys of each table feed its children's foreign-key checks, together with ``known_keys``
    (e.g. keys already in the warehouse). A parent file that is present but unreadable counts as
    empty, so its children's references are rejected rather than loaded unchecked. Unreadable
    files become ``file_errors``; the other tables still validate. ``tables`` restricts the work
    to those tables (their parents outside the subset must then come through ``known_keys``).
    """

    def whole(name: str, raw: RawTable, keys: Mapping[str, set[Any]]) -> tuple[ValidationResult, KeySets]:
        result = validate_table(name, raw, known_keys=keys)
        return result, {c: set(result.good[c].dropna().tolist()) for c in referenced_columns(name)}

    with open_folder(path, max_unzipped_bytes) as folder:
        results = folder.check_tables(whole, known_keys, tables)
    return FolderValidation(
        source=Path(path),
        tables=results,
        file_errors=folder.file_errors,
        ignored_files=[folder.shown(p) for p in folder.listing.ignored],
        manifest=folder.manifest,
    )


@dataclass
class OpenedFolder:
    """A contract folder (or a .zip unpacked safely), its manifest read, ready to check table by table."""

    root: Path
    label: str | None  # the .zip's name, shown in front of the paths inside it
    listing: FolderListing
    manifest: dict[str, Any] | None = None
    file_errors: list[FileError] = field(default_factory=list)

    def shown(self, p: Path) -> str:
        return f"{self.label}/{p.relative_to(self.root).as_posix()}" if self.label else str(p)

    def check_tables(
        self,
        check: Callable[[str, RawTable, Mapping[str, set[Any]]], tuple[R, KeySets]],
        known_keys: Mapping[str, set[Any]] | None,
        tables: Collection[str] | None = None,
    ) -> dict[str, R]:
        """``check(name, raw, parent keys)`` on every readable table, parents first (see
        ``validate_folder``); returns the check results by table."""
        keys: dict[str, set[Any]] = {k: set(v) for k, v in (known_keys or {}).items()}
        results: dict[str, R] = {}
        for name in TABLE_LOAD_ORDER:
            if tables is not None and name not in tables:
                continue
            found: KeySets = {}
            if name in self.listing.conflicts:
                files = self.listing.conflicts[name]
                exc = conflict_error(name, files)
                self.file_errors.append(FileError(", ".join(self.shown(p) for p in files), name, str(exc)))
            elif name in self.listing.tables:
                file = self.listing.tables[name]
                try:
                    raw = read_table(file, name, source=self.shown(file))
                except TableReadError as exc:
                    self.file_errors.append(FileError(self.shown(file), name, str(exc)))
                else:
                    results[name], found = check(name, raw, keys)
                    del raw  # the next table should not share memory with this one
            else:
                continue
            for column in referenced_columns(name):  # present: its good keys (none if unreadable)
                key = f"{name}.{column}"
                keys[key] = set((known_keys or {}).get(key, set())) | found.get(column, set())
        return results


@contextmanager
def open_folder(path: Path, max_unzipped_bytes: int | None = None) -> Iterator[OpenedFolder]:
    """Open a contract folder, or unpack a .zip (size cap: settings) for the duration of the block."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        if max_unzipped_bytes is None:
            from zhifa.settings import get_settings

            max_unzipped_bytes = get_settings().max_import_unzipped_bytes
        with tempfile.TemporaryDirectory(prefix="zhifa-import-") as tmp:
            root = safe_extract(path, Path(tmp), max_unzipped_bytes)
            yield _opened(root, path.name)
        return
    yield _opened(path, None)


def _opened(root: Path, label: str | None) -> OpenedFolder:
    folder = OpenedFolder(root, label, scan_folder(root))
    folder.manifest = _read_manifest(root / "manifest.json", folder.shown, folder.file_errors)
    return folder


def _read_manifest(path: Path, shown: Any, errors: list[FileError]) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = str(TableReadError(shown(path), "不是有效的JSON", f"invalid JSON ({exc})"))
        errors.append(FileError(shown(path), None, msg))
        return None
    return data if isinstance(data, dict) else None
