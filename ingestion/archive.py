"""Safe extraction of a bureau's .zip: no path escapes, no links, bounded uncompressed size."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from ingestion.readers import TableReadError

_CHUNK = 1 << 20


class UnsafeArchiveError(TableReadError):
    """The archive is refused as a whole (path traversal, links, zip bomb, damaged)."""


def _member_path(archive: Path, name: str) -> PurePosixPath:
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts or (posix.parts and ":" in posix.parts[0]):
        raise UnsafeArchiveError(
            archive, f"压缩包含有不安全的路径: {name}", f"archive entry escapes the folder: {name}"
        )
    return posix


def safe_extract(archive: Path, target: Path, max_bytes: int) -> Path:
    """Extract ``archive`` into ``target`` and return the folder holding the tables.

    Every entry is checked before anything is written; the size cap is enforced on the bytes
    actually inflated, since the sizes stored in the directory can lie.
    """
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeArchiveError(archive, "不是有效的ZIP文件", f"not a valid zip file ({exc})") from exc
    with bundle:
        members = bundle.infolist()
        for info in members:
            _member_path(archive, info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UnsafeArchiveError(
                    archive, f"压缩包含有链接: {info.filename}", f"archive holds a link: {info.filename}"
                )
        if sum(info.file_size for info in members) > max_bytes:
            raise _too_big(archive, max_bytes)
        written = 0
        for info in members:
            dest = target.joinpath(*_member_path(archive, info.filename).parts)
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                with bundle.open(info) as src, dest.open("wb") as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > max_bytes:
                            raise _too_big(archive, max_bytes)
                        out.write(chunk)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise UnsafeArchiveError(archive, "ZIP文件损坏", f"damaged zip file ({exc})") from exc
    return _table_root(target)


def _too_big(archive: Path, max_bytes: int) -> UnsafeArchiveError:
    return UnsafeArchiveError(
        archive,
        f"解压后超过上限 {max_bytes} 字节",
        f"uncompressed size exceeds the cap of {max_bytes} bytes",
    )


def _table_root(target: Path) -> Path:
    """A zip of a folder holds one top-level directory: descend into it."""
    entries = [e for e in target.iterdir() if e.name != "__MACOSX"]
    if len(entries) == 1 and entries[0].is_dir() and entries[0].name != "files":
        return entries[0]
    return target
