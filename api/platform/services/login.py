"""Logging in, with throttling of repeated failures (issue #12 §2.7).

Failures are rows of ``login_failures`` in the store, so several API workers (or hosts) count the same
attempts. More than the allowed failures for one username, or from one client address, within the window
answer 429 with ``Retry-After`` until enough of them have aged out. The username is counted whether or not
such a user exists, and an unknown user's password is still checked against a dummy hash: the answers
and their timing do not tell an attacker which usernames exist. Every failure is audited.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from api.core.config import ApiSettings
from api.core.errors import TooMany, Unauthenticated
from api.core.security import verify_password
from api.models import LoginFailure, User
from api.platform.services import audit
from zhifa.clock import as_utc, now

NAME_MAX, CLIENT_MAX = 60, 64  # the columns' widths


def _retry_after(db: Session, where: ColumnElement[bool], limit: int, window: timedelta) -> int | None:
    """Seconds until fewer than ``limit`` failures matching ``where`` remain in the window, or None if
    there are fewer already."""
    since = now() - window
    recent = select(LoginFailure.at).where(where, LoginFailure.at >= since)
    count = db.scalar(select(func.count()).select_from(recent.subquery())) or 0
    if count < limit:
        return None
    # once the limit-th newest failure leaves the window, fewer than limit remain
    pivot = db.scalar(recent.order_by(LoginFailure.at.desc()).offset(limit - 1).limit(1))
    left = (as_utc(pivot) + window - now()).total_seconds() if pivot is not None else 1
    return max(1, math.ceil(left))


def throttled(db: Session, settings: ApiSettings, username: str, client: str) -> int | None:
    window = timedelta(seconds=settings.login_window_seconds)
    waits = [
        _retry_after(db, LoginFailure.username == username, settings.login_max_failures, window),
        _retry_after(db, LoginFailure.client == client, settings.login_max_failures_per_address, window),
    ]
    found = [w for w in waits if w is not None]
    return max(found) if found else None


def _record_failure(db: Session, settings: ApiSettings, username: str, client: str) -> None:
    at = now()
    db.execute(
        delete(LoginFailure).where(LoginFailure.at < at - timedelta(seconds=settings.login_window_seconds))
    )
    db.add(LoginFailure(at=at, username=username, client=client))
    after: dict[str, Any] = {"client": client}
    audit.record(
        db,
        user_id=None,
        username=None,
        action="login_failed",
        entity="login",
        entity_id=username,
        after=after,
    )
    db.commit()  # the route's transaction rolls back on the refusal below: the failure must stay counted


def authenticate(
    db: Session, settings: ApiSettings, username: str, password: str, client: str | None
) -> User:
    """The active user these credentials name; else 401 (wrong or unknown, one answer) or 429."""
    name, address = username[:NAME_MAX], (client or "unknown")[:CLIENT_MAX]
    wait = throttled(db, settings, name, address)
    if wait is not None:
        raise TooMany(
            "TOO_MANY_ATTEMPTS",
            f"登录失败次数过多，请 {wait} 秒后再试 / too many failed logins, retry in {wait} s",
            retry_after=wait,
        )
    user = db.scalar(select(User).where(User.username == username))
    if verify_password(password, user.password_hash if user else None) and user is not None and user.active:
        db.execute(delete(LoginFailure).where(LoginFailure.username == name))
        return user
    _record_failure(db, settings, name, address)
    raise Unauthenticated("BAD_CREDENTIALS", "用户名或密码错误 / wrong username or password")
