"""Signed checkpoints of the audit chain, kept outside the store.

Whoever can write the database can delete the newest entries and set the head row back to the last one
kept: what remains is a valid, shorter chain. So after every commit that appended entries, the chain's
sequence number and head hash are appended, signed (HMAC with a key derived from the audit secret), to
a file under ``$ZHIFA_HOME`` (``ZHIFA_AUDIT_CHECKPOINTS``), opened append-only with mode 0600. The
pipeline copies it into the published snapshot, so a second copy exists outside the API host.
Verification then requires every checkpointed entry to still be there with the same hash.

Lines are written with one ``write`` on an ``O_APPEND`` descriptor, so several API workers may append
at once; lines can arrive out of order, which is harmless (each names its sequence number).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from zhifa.private import private_dir

PATH_KEY = "audit_checkpoints"  # Session.info: the file, or None to keep no checkpoints
_PENDING = "audit_checkpoint_pending"  # Session.info: (seq, hash) of the last entry of this transaction


def _mac(key: bytes, seq: int, head: str) -> str:
    sub = hmac.new(key, b"zhifa-audit-checkpoint-v1", hashlib.sha256).digest()
    return hmac.new(sub, f"{seq}:{head}".encode(), hashlib.sha256).hexdigest()


def pending(session: Session, seq: int, head: str, key: bytes) -> None:
    """Remember the newest entry of the open transaction; it is checkpointed once the commit succeeded."""
    if session.info.get(PATH_KEY) is not None:
        session.info[_PENDING] = (seq, head, key)


def append(path: Path, key: bytes, seq: int, head: str) -> None:
    private_dir(path.parent)
    line = json.dumps({"seq": seq, "hash": head, "mac": _mac(key, seq, head)}, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def install(factory: sessionmaker[Session]) -> None:
    """Write the pending checkpoint after each commit; forget it on rollback."""

    @event.listens_for(factory, "after_commit")
    def _written(session: Session) -> None:
        marked = session.info.pop(_PENDING, None)
        path = session.info.get(PATH_KEY)
        if marked is not None and path is not None:
            append(Path(path), marked[2], marked[0], marked[1])

    @event.listens_for(factory, "after_rollback")
    def _dropped(session: Session) -> None:
        session.info.pop(_PENDING, None)


@dataclass
class Checkpoints:
    hashes: dict[int, str] = field(default_factory=dict)  # seq → head hash, signature checked
    problems: list[str] = field(default_factory=list)


def load(session: Session, key: bytes) -> Checkpoints:
    """The checkpoints of the session's file (none when it has no file or the file does not exist yet)."""
    out = Checkpoints()
    path = session.info.get(PATH_KEY)
    if path is None or not Path(path).exists():
        return out
    with Path(path).open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                mark = json.loads(line)
                seq, head, mac = int(mark["seq"]), str(mark["hash"]), str(mark["mac"])
            except (ValueError, TypeError, KeyError):
                out.problems.append(f"checkpoint line {number}: unreadable")
                continue
            if not hmac.compare_digest(mac, _mac(key, seq, head)):
                out.problems.append(f"checkpoint line {number}: signature does not match (forged or edited)")
                continue
            if out.hashes.setdefault(seq, head) != head:
                out.problems.append(f"checkpoint line {number}: two different hashes for seq {seq}")
    return out
