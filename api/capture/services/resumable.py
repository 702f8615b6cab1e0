"""Resumable uploads of photos and videos (issue #16 §5): init → chunks at the offset the server holds →
complete with the SHA-256 of the whole.

The store's ``received`` is the truth; the partial file is cut back to it before each chunk, so bytes of a
chunk whose request died are dropped, never kept. The final file appears only on complete, by an atomic
rename once size and checksum match (content-addressed: the same bytes are stored once). A session belongs
to the officer who opened it; anyone else gets 404. Untouched sessions expire (``upload_session_hours``)
and are swept with their partial files."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.capture.services import uploads
from api.core.errors import Conflict, Invalid, NotFound, TooLarge
from api.models import Case, Upload, UploadSession, User
from api.platform.services import storage
from zhifa.clock import as_utc, now


def not_found() -> NotFound:
    return NotFound(
        "UPLOAD_SESSION_NOT_FOUND", "上传会话不存在或已过期 / upload session not found or expired"
    )


def partial_path(root: Path, session_id: str) -> Path:
    if len(session_id) != 32 or not all(c in "0123456789abcdef" for c in session_id):
        raise not_found()
    return root / ".partial" / session_id


def sweep(session: Session, root: Path) -> int:
    """Forget sessions past their expiry and delete their partial files; how many."""
    stale = session.scalars(select(UploadSession).where(UploadSession.expires_at < now())).all()
    for row in stale:
        partial_path(root, row.session_id).unlink(missing_ok=True)
        session.delete(row)
    session.flush()  # deletes before the insert that may reuse a swept session's client key
    return len(stale)


def start(
    session: Session,
    root: Path,
    user: User,
    case: Case,
    *,
    filename: str | None,
    size: int,
    kind: str,
    meta: dict[str, Any],
    max_bytes: int,
    hours: int,
    client_key: str | None,
) -> tuple[UploadSession, bool]:
    """A new session, or the one this client key opened before (True: replayed)."""
    name = uploads.safe_filename(filename)
    if size > max_bytes:
        raise TooLarge("TOO_LARGE", f"文件超过 {max_bytes} 字节 / file larger than {max_bytes} bytes")
    if kind == "video":
        uploads.check_video_meta(meta)
    sweep(session, root)  # first: an expired session is not one to reopen under its key
    if client_key:
        earlier = session.scalars(
            select(UploadSession).where(
                UploadSession.user_id == user.id, UploadSession.client_key == client_key
            )
        ).first()
        if earlier is not None:
            if (earlier.case_id, earlier.filename, earlier.size, earlier.kind) != (
                case.case_id,
                name,
                size,
                kind,
            ):
                raise Invalid(
                    "IDEMPOTENCY_KEY_REUSED", "幂等键已用于不同请求 / Idempotency-Key used for another body"
                )
            return earlier, True
    at = now()
    row = UploadSession(
        session_id=secrets.token_hex(16),
        case_id=case.case_id,
        user_id=user.id,
        client_key=client_key,
        kind=kind,
        filename=name,
        meta={k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()},
        size=size,
        received=0,
        status="open",
        created_at=at,
        expires_at=at + timedelta(hours=hours),
    )
    session.add(row)
    return row, False


def get(session: Session, user: User, case_id: str, session_id: str) -> UploadSession:
    """The caller's own live session of this case; anything else reads as missing."""
    row = session.get(UploadSession, session_id)
    if row is None or row.user_id != user.id or row.case_id != case_id or as_utc(row.expires_at) < now():
        raise not_found()
    return row


def put_chunk(
    session: Session, root: Path, row: UploadSession, offset: int, data: bytes, *, chunk_max: int, hours: int
) -> None:
    if row.status != "open":
        raise Conflict("UPLOAD_COMPLETE", "上传已完成 / upload already complete")
    if not data:
        raise Invalid("EMPTY_CHUNK", "分片为空 / empty chunk")
    if len(data) > chunk_max:
        raise TooLarge("CHUNK_TOO_LARGE", f"分片超过 {chunk_max} 字节 / chunk larger than {chunk_max} bytes")
    if offset + len(data) > row.size:
        raise Invalid("BEYOND_SIZE", "分片超出文件大小 / chunk beyond the declared size")
    # claim the range in the store first: a concurrent request for the same offset finds 0 rows and stops;
    # the row (or SQLite's write lock) is held until this request commits, after the bytes are on disk
    claimed = session.execute(
        update(UploadSession)
        .where(UploadSession.session_id == row.session_id, UploadSession.received == offset)
        .values(received=offset + len(data), expires_at=now() + timedelta(hours=hours))
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(row)
        raise Conflict(
            "OFFSET_MISMATCH", f"服务器已收到 {row.received} 字节 / server holds {row.received} bytes"
        )
    path = partial_path(root, row.session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("r+b" if path.exists() else "wb") as fh:
        fh.truncate(offset)  # whatever a dead request left past the committed offset goes
        fh.seek(offset)
        fh.write(data)
        fh.flush()
    session.refresh(row)


def _meta(stored: dict[str, Any]) -> dict[str, Any]:
    """The session's metadata with its times as datetimes again (JSON holds them as ISO text)."""
    times = ("started_at", "ended_at")
    return {k: (datetime.fromisoformat(v) if k in times and v else v) for k, v in stored.items()}


def complete(
    session: Session, root: Path, user: User, case: Case, row: UploadSession, sha256: str
) -> tuple[Upload, bool]:
    """The upload made of the session's bytes (True: it was completed before — a replay)."""
    sha256 = sha256.lower()
    if row.status == "complete":
        done = session.get(Upload, row.upload_id)
        if done is None or done.sha256 != sha256:
            raise Conflict("UPLOAD_COMPLETE", "上传已完成，校验值不同 / completed with another checksum")
        return done, True
    if row.received != row.size:
        raise Conflict(
            "UPLOAD_INCOMPLETE",
            f"尚未收齐：{row.received}/{row.size} 字节 / {row.received} of {row.size} bytes",
        )
    path = partial_path(root, row.session_id)
    if not path.exists():  # an earlier complete moved it and then failed to commit: the blob holds it
        path = storage.blob_path(root, sha256) if len(sha256) == 64 else path
        if not path.exists():
            raise Invalid(
                "CHECKSUM_MISMATCH", "文件校验值不符，请重新上传 / SHA-256 does not match the bytes received"
            )
    if storage.file_sha256(path) != sha256:
        raise Invalid(
            "CHECKSUM_MISMATCH", "文件校验值不符，请重新上传 / SHA-256 does not match the bytes received"
        )
    with path.open("rb") as fh:
        head = fh.read(4096)
    meta = _meta(row.meta)
    media = uploads.checked_type(head, row.kind, meta)
    if path.parent.name == ".partial":
        storage.put_file(session, root, path, sha256, media)
    else:
        storage.remember(session, sha256, row.size, media)
    done = uploads.record(session, user, case, row.kind, row.filename, sha256, media, row.size, meta)
    session.flush()
    row.status, row.upload_id = "complete", done.upload_id
    return done, False
