"""Content-addressed file store: bytes live at <root>/<sha[:2]>/<sha>, one row per distinct hash."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.models import StoredFile
from zhifa.clock import now


def blob_path(root: Path, sha256: str) -> Path:
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256 hex digest")
    return root / sha256[:2] / sha256


def put(session: Session, root: Path, data: bytes, media_type: str) -> str:
    """Store ``data`` once; returns its SHA-256. The file is written before the row is committed,
    so a committed row always has its bytes (an orphan file after a rollback is harmless)."""
    digest = hashlib.sha256(data).hexdigest()
    path = blob_path(root, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    remember(session, digest, len(data), media_type)
    return digest


def remember(session: Session, digest: str, size: int, media_type: str) -> None:
    if session.get(StoredFile, digest) is None:
        try:
            with session.begin_nested():
                session.add(StoredFile(sha256=digest, size=size, media_type=media_type, created_at=now()))
        except IntegrityError:  # the same bytes stored concurrently: fine, one row is enough
            pass


def read(root: Path, sha256: str) -> bytes:
    return blob_path(root, sha256).read_bytes()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1024 * 1024):
            h.update(block)
    return h.hexdigest()


def put_file(session: Session, root: Path, source: Path, digest: str, media_type: str) -> str:
    """Store the file at ``source`` (same disk as ``root``, its SHA-256 ``digest`` checked by the caller) once
    and remove it. The final path appears only by an atomic rename of complete bytes, never half-written."""
    path = blob_path(root, digest)
    size = source.stat().st_size
    if path.exists():
        source.unlink()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, path)
    remember(session, digest, size, media_type)
    return digest
