"""Retry-safe writes: a client's ``Idempotency-Key`` is remembered with the request's hash and the case
it touched, so a retry (a phone syncing after a dropped answer) replays instead of writing twice.
The same key with a different body is refused."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from api.core.errors import Invalid
from api.models import IdempotencyKey, User
from zhifa.clock import now


def digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def earlier(session: Session, user: User, key: str, request_hash: str) -> str | None:
    """The case id written earlier under this key, or None for a first attempt."""
    row = session.get(IdempotencyKey, (user.id, key))
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise Invalid(
            "IDEMPOTENCY_KEY_REUSED", "幂等键已用于不同请求 / Idempotency-Key used for another body"
        )
    return row.case_id


def remember(session: Session, user: User, key: str, request_hash: str, case_id: str) -> None:
    session.add(
        IdempotencyKey(user_id=user.id, key=key, request_hash=request_hash, case_id=case_id, created_at=now())
    )
