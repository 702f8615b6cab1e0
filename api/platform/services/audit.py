"""Append-only, hash-chained audit log of every write, and its verification.

Each entry's hash is an HMAC-SHA256 keyed with the audit secret (ZHIFA_AUDIT_KEY, else ZHIFA_SECRET_KEY)
over every column of the entry and the previous entry's hash. A plain hash chain only proves that nobody
edited a row *without recomputing the chain*; someone with write access to the store could recompute
it. With a key they also need the secret, which never lives in the database. Cutting the tail and
resetting the head row leaves a valid shorter chain: every commit therefore also appends a signed
checkpoint (sequence and head hash) to a file outside the store (api.platform.services.audit_checkpoints), and
verification compares the two.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.orm import Session

from api.models import AuditEntry, AuditHead, Base
from api.platform.services import audit_checkpoints as checkpoints
from api.platform.services import audit_scope as scope
from zhifa.clock import now

GENESIS = "0" * 64
VERSION = 2  # see entry_hash
# built once: the statements' values come as parameters, so each append reuses their compiled form
_ENTRY_COLUMNS = AuditEntry.__mapper__.column_attrs
_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
_READ_HEAD = _HEAD.with_for_update()
_APPEND = insert(AuditEntry)
_MOVE_HEAD = update(AuditHead).where(AuditHead.id == 1)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value)!r}")


def dumps(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=_default, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def snapshot(obj: Base | None) -> dict[str, Any] | None:
    """Column values of a row, for the before/after of an audit entry."""
    if obj is None:
        return None
    mapper = inspect(obj).mapper
    return {c.key: getattr(obj, c.key) for c in mapper.column_attrs if c.key != "password_hash"}


class AuditKeyMissing(RuntimeError):
    pass


def _key(session: Session) -> bytes:
    secret = session.info.get("audit_secret")
    if not secret:
        raise AuditKeyMissing(
            "审计链密钥未设置（ZHIFA_AUDIT_KEY 或 ZHIFA_SECRET_KEY）/ audit key missing: set ZHIFA_AUDIT_KEY "
            "or ZHIFA_SECRET_KEY"
        )
    # a derived key: the same secret signs tokens, and the two uses must not be interchangeable
    return hashlib.sha256(b"zhifa-audit-chain-v1\x00" + str(secret).encode()).digest()


def entry_hash(key: bytes, e: AuditEntry) -> str:
    """The HMAC of an entry: over every column but the hash itself (version 1, before migration 0003,
    left out the username; such entries are still verified the way they were written)."""
    at = _at_text(e.at)
    if e.version == 1:
        fields: list[Any] = [
            e.prev_hash, e.seq, at, e.user_id, e.action, e.entity, e.entity_id, e.before, e.after,
        ]  # fmt: skip
    else:
        fields = [
            f"v{e.version}", e.prev_hash, e.seq, at, e.user_id, e.username, e.action, e.entity, e.entity_id,
            e.unit_code, e.review_unit, e.before, e.after,
        ]  # fmt: skip
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _at_text(at: datetime) -> str:
    # SQLite drops the zone: hash a canonical naive-UTC text so both backends agree.
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def add_created(session: Session, user: Any, row: Base, *, action: str, entity: str, entity_id: Any) -> None:
    """Insert ``row`` and append its creation to the chain, both in the caller's transaction.

    ``entity_id`` is an attribute name of ``row`` (its key is only known after the flush)."""
    session.add(row)
    session.flush()
    record(
        session,
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else "cli",
        action=action,
        entity=entity,
        entity_id=str(getattr(row, entity_id)),
        after=snapshot(row),
    )


def record_change(
    session: Session, user: Any, row: Base, *, action: str, entity: str, entity_id: str, before: Any
) -> None:
    """Append ``user``'s change of ``row`` (its state now against ``before``) to the chain."""
    record_by(
        session, user, action=action, entity=entity, entity_id=entity_id, before=before, after=snapshot(row)
    )


def record_by(session: Session, user: Any, **entry: Any) -> AuditEntry:
    """:func:`record` for an acting API user (its id and username); ``entry`` are record's other keywords."""
    return record(session, user_id=user.id, username=user.username, **entry)


def record(
    session: Session,
    *,
    user_id: int | None,
    username: str | None,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry inside the caller's transaction (it commits or rolls back with the write).

    The head and the entry are read and written as plain statements, built once (no ORM objects to flush:
    docs/benchmarks.md, issue 22); the caller's pending changes are flushed at the same points as when
    they were ORM objects (the entry's units are read before the last one)."""
    conn = session.connection()
    head = conn.execute(_READ_HEAD).one_or_none()
    if head is None:
        session.flush()
        conn.execute(insert(AuditHead), {"id": 1, "seq": 0, "hash": GENESIS})
    seq, prev_hash = (0, GENESIS) if head is None else (head.seq, head.hash)
    unit_code, review_unit = scope.units_of(session, user_id, entity, entity_id, before or {}, after or {})
    entry = AuditEntry(
        seq=seq + 1,
        version=VERSION,
        at=now(),
        user_id=user_id,
        username=username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        unit_code=unit_code,
        review_unit=review_unit,
        before=dumps(before),
        after=dumps(after),
        prev_hash=prev_hash,
    )
    key = _key(session)
    entry.hash = entry_hash(key, entry)
    session.flush()
    conn.execute(_APPEND, {c.key: getattr(entry, c.key) for c in _ENTRY_COLUMNS})
    conn.execute(_MOVE_HEAD, {"seq": entry.seq, "hash": entry.hash})
    checkpoints.pending(session, entry.seq, entry.hash, key)
    return entry  # not in the session: the row is written


@dataclass
class ChainReport:
    ok: bool
    entries: int
    problems: list[str] = field(default_factory=list)
    checkpoints: int = 0


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash: an edited row, a deleted row or a cut tail all break the chain; a tail cut
    together with a reset head is caught by the signed checkpoints written outside the store."""
    key = _key(session)
    marks = checkpoints.load(session, key)
    problems: list[str] = list(marks.problems)
    prev, expected_seq, count = GENESIS, 1, 0
    for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        count += 1
        if e.seq != expected_seq:
            problems.append(f"seq {expected_seq}..{e.seq - 1} missing (deleted)")
        if e.prev_hash != prev:
            problems.append(f"seq {e.seq}: prev_hash does not match the previous entry")
        if entry_hash(key, e) != e.hash:
            problems.append(f"seq {e.seq}: content edited (hash mismatch)")
        if e.seq in marks.hashes and marks.hashes[e.seq] != e.hash:
            problems.append(f"seq {e.seq}: differs from its signed checkpoint (chain rewritten)")
        prev, expected_seq = e.hash, e.seq + 1
    last = expected_seq - 1
    head = session.execute(_HEAD).one_or_none()  # the row as stored (``record`` writes it without the ORM)
    if head is not None and (head.seq != last or head.hash != prev):
        problems.append(f"chain ends at seq {last} but head records seq {head.seq} (tail cut)")
    if head is None and count:
        problems.append("audit head missing")
    if marks.hashes and max(marks.hashes) > last:
        problems.append(
            f"chain ends at seq {last} but a signed checkpoint records seq {max(marks.hashes)} (tail cut)"
        )
    return ChainReport(ok=not problems, entries=count, problems=problems, checkpoints=len(marks.hashes))


def verify_database(url: str, audit_secret: str | None, checkpoint_file: Path | None = None) -> ChainReport:
    """For ``zhifa audit verify``: open the store at ``url`` and check the chain against the checkpoints."""
    from api.db import make_engine, make_sessionmaker

    engine = make_engine(url, pool_size=1)
    try:
        with make_sessionmaker(engine, audit_secret, checkpoint_file)() as session:
            return verify_chain(session)
    finally:
        engine.dispose()
