"""Dossier files and enforcement-video uploads: size cap, type sniffed from content, safe names."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import idempotency
from api.core.errors import Invalid, TooLarge, Unsupported
from api.models import Case, Upload, User
from api.platform.services import audit
from zhifa.clock import now

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


def checked_type(head: bytes, kind: str, meta: dict[str, Any]) -> str:
    """The media type sniffed from the first bytes, checked against the declared kind; a video needs its
    step and start time. ``meta``: step, started_at, ended_at (aware datetimes or None)."""
    sniffed = sniff(head)
    if sniffed is None:
        raise Unsupported("UNSUPPORTED_TYPE", "不支持的文件类型 / file type not accepted")
    media, sniffed_kind = sniffed
    if kind == "video":
        if sniffed_kind != "video":
            raise Unsupported("NOT_A_VIDEO", "执法记录仪视频须为视频文件 / not a video file")
        check_video_meta(meta)
    return media


def check_video_meta(meta: dict[str, Any]) -> None:
    started_at: datetime | None = meta.get("started_at")
    ended_at: datetime | None = meta.get("ended_at")
    if meta.get("step") is None or started_at is None or not meta.get("device_id"):
        raise Invalid(
            "VIDEO_METADATA_REQUIRED",
            "视频须注明执法环节、记录仪编号和开始时间 / step, device_id and started_at needed",
        )
    if ended_at is not None and ended_at < started_at:
        raise Invalid("DATES_OUT_OF_ORDER", "结束时间早于开始时间 / ended_at before started_at")
    if started_at.tzinfo is not None and started_at > now():
        raise Invalid("DATE_IN_FUTURE", "开始时间晚于现在 / started_at in the future")


def record(
    session: Session,
    user: User,
    case: Case,
    kind: str,
    name: str,
    sha: str,
    media: str,
    size: int,
    meta: dict[str, Any],
) -> Upload:
    """The upload row of a stored file, audited."""
    row = Upload(
        case_id=case.case_id,
        kind=kind,
        filename=name,
        sha256=sha,
        media_type=media,
        size=size,
        description=meta.get("description"),
        officer_id=user.officer_id,
        device_id=meta.get("device_id"),
        step=meta.get("step"),
        started_at=meta.get("started_at"),
        ended_at=meta.get("ended_at"),
        uploaded_by=user.id,
        uploaded_at=now(),
    )
    audit.add_created(session, user, row, action="upload", entity="upload", entity_id="upload_id")
    return row
