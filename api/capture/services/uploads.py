"""Dossier files and enforcement-video uploads: size cap, type sniffed from content, safe names."""

from __future__ import annotations

import re
import unicodedata
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import idempotency
from api.core.errors import Invalid, TooLarge
from api.models import Upload, User

# (magic bytes at offset, media type, kind): the declared content type is never trusted.
_SIGNATURES: list[tuple[int, bytes, str, str]] = [
    (0, b"%PDF-", "application/pdf", "dossier"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png", "dossier"),
    (0, b"\xff\xd8\xff", "image/jpeg", "dossier"),
    (0, b"II*\x00", "image/tiff", "dossier"),
    (0, b"MM\x00*", "image/tiff", "dossier"),
    (0, b"PK\x03\x04", "application/zip", "dossier"),  # DOCX/XLSX are zip containers
    (4, b"ftypqt", "video/quicktime", "video"),
    (4, b"ftyp", "video/mp4", "video"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm", "video"),
]
_AVI = (b"RIFF", b"AVI ")
_SAFE = re.compile(r"[^\w.\-()（） ]", re.UNICODE)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(media type, kind) from the first bytes, or None if the type is not accepted."""
    if head[:4] == _AVI[0] and head[8:12] == _AVI[1]:
        return "video/x-msvideo", "video"
    for offset, magic, media, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if media == "application/zip" and b"word/" in head[:2000]:
                return DOCX, kind
            return media, kind
    return None


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def safe_filename(name: str | None) -> str:
    """Refuse anything that could leave the case folder; keep the readable part of the rest."""
    raw = unicodedata.normalize("NFC", name or "").strip()
    if not raw:
        raise Invalid("BAD_FILENAME", "缺少文件名 / file name missing")
    if "/" in raw or "\\" in raw or ".." in raw or "\x00" in raw or raw.startswith("."):
        raise Invalid("UNSAFE_FILENAME", "文件名含路径或非法字符 / file name contains a path or '..'")
    cleaned = _SAFE.sub("_", raw)[:150]
    return cleaned


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise TooLarge("TOO_LARGE", f"文件超过 {limit} 字节 / file larger than {limit} bytes")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise Invalid("EMPTY_FILE", "文件为空 / empty file")
    return data


def replayed(
    session: Session, user: User, case_id: str, sha256: str, key: str, request_hash: str
) -> Upload | None:
    """The upload stored earlier under this Idempotency-Key (same bytes, same case), if any."""
    if idempotency.earlier(session, user, key, request_hash) is None:
        return None
    return session.scalars(
        select(Upload)
        .where(Upload.case_id == case_id, Upload.sha256 == sha256, Upload.uploaded_by == user.id)
        .order_by(Upload.upload_id.desc())
    ).first()
