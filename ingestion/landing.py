"""The landing area: each import is copied (or safely unzipped) into ``landing/<landing id>/``.

A landing appears atomically (built under a dot-name, then renamed), so the sensor never sees half a
copy. Landing ids sort in arrival order and double as the load id of the warehouse load.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from ingestion.archive import safe_extract
from ingestion.raw_schema import LoadSummary, ensure_schema
from ingestion.readers import TableReadError, scan_folder
from ingestion.warehouse import load_folder
from zhifa import clock

MARKER = ".landing.json"


@dataclass(frozen=True)
class Landing:
    landing_id: str
    path: Path
    source: str
    landed_at: datetime


def land(source: Path, landing_dir: Path, max_unzipped_bytes: int) -> Landing:
    """Copy a contract folder or .zip into the landing area and return the new landing.

    A .zip is checked (no ``../``, no links, size cap) before anything lands; a refused archive
    raises ``TableReadError`` naming it and leaves the landing area untouched.
    """
    source = Path(source).resolve()
    if not source.exists():
        raise TableReadError(source, "路径不存在", "no such file or folder")
    is_zip = source.is_file() and source.suffix.lower() == ".zip"
    if not source.is_dir() and not is_zip:
        raise TableReadError(source, "应为文件夹或 .zip 文件", "expected a folder or a .zip file")
    landing_dir.mkdir(parents=True, exist_ok=True)
    now = clock.now()
    landing_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory(prefix=".incoming-", dir=landing_dir) as tmp:
        staging = Path(tmp) / "data"
        if is_zip:
            unpacked = Path(tmp) / "unzipped"
            unpacked.mkdir()
            root = safe_extract(source, unpacked, max_unzipped_bytes)
            root.rename(staging)
        else:
            shutil.copytree(source, staging, ignore=shutil.ignore_patterns("ground_truth"))
        marker = {"source": str(source), "landed_at": now.isoformat()}
        (staging / MARKER).write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
        final = landing_dir / landing_id
        os.replace(staging, final)
    return Landing(landing_id, final, str(source), now)


def list_landings(landing_dir: Path) -> list[Landing]:
    """Complete landings, oldest first."""
    if not landing_dir.is_dir():
        return []
    found = []
    for entry in sorted(landing_dir.iterdir()):
        marker = entry / MARKER
        if entry.name.startswith(".") or not marker.is_file():
            continue
        meta = json.loads(marker.read_text(encoding="utf-8"))
        found.append(Landing(entry.name, entry, meta["source"], datetime.fromisoformat(meta["landed_at"])))
    return found


def pending_tables(con: duckdb.DuckDBPyConnection, landing: Landing, tables: Collection[str]) -> set[str]:
    """Tables of ``tables`` present in the landing that no load has recorded yet."""
    listing = scan_folder(landing.path)
    present = (set(listing.tables) | set(listing.conflicts)) & set(tables)
    if not present:
        return set()
    done = con.execute(
        """SELECT table_name FROM ops.load_summary WHERE load_id = ?
        UNION SELECT table_name FROM ops.file_errors WHERE load_id = ?""",
        [landing.landing_id, landing.landing_id],
    ).fetchall()
    return present - {r[0] for r in done}


def load_landings(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    tables: Collection[str],
    *,
    only: Collection[str] | None = None,
    replay_all: bool = False,
    max_bad_row_share: float | None = None,
) -> list[LoadSummary]:
    """Load ``tables`` from landings, oldest first: the pending ones by default, the ``only`` ids,
    or every landing again (``replay_all``; harmless, since loads are idempotent)."""
    ensure_schema(con)
    summaries = []
    for landing in list_landings(landing_dir):
        if only is not None and landing.landing_id not in only:
            continue
        todo = set(tables) if (replay_all or only is not None) else pending_tables(con, landing, tables)
        if todo:
            summaries.append(
                load_folder(
                    con,
                    landing.path,
                    landing.landing_id,
                    tables=todo,
                    max_bad_row_share=max_bad_row_share,
                    exported_at=landing.landed_at,
                )
            )
    return summaries
