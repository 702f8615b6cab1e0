"""Password hashing (argon2 via pwdlib) and signed access tokens (JWT, HS256)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

from api.core.errors import Unauthenticated
from zhifa import clock

_hasher = PasswordHash.recommended()
ALGORITHM = "HS256"
# A hash of a random password: verifying against it keeps login timing equal for unknown users.
_DUMMY_HASH = _hasher.hash("zhifa-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if hashed is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, hashed)
    except Exception:  # malformed stored hash: treat as a failed login, never a 500
        return False


def create_token(secret: str, user_id: int, minutes: int) -> str:
    now = clock.now()
    claims: dict[str, Any] = {"sub": str(user_id), "iat": now, "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# A user id as ``create_token`` writes it: decimal digits of a database INTEGER (no sign, no spaces).
_SUB = re.compile(r"[1-9][0-9]{0,9}")
# Row ids are database INTEGERs: a larger id is refused before it reaches the store (SQLite raises
# OverflowError on a Python int beyond 64 bits, PostgreSQL an out-of-range error).
ID_MAX = 2**31 - 1


def read_token(secret: str, token: str) -> int:
    """The user id a valid token names; any other token (bad signature, expired, or a claim that is
    not what we write: ``sub`` of 2**70, a number, a list…) is the same 401, never a 500."""
    invalid = Unauthenticated("INVALID_TOKEN", "令牌无效或已过期 / invalid or expired token")
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError) as exc:
        raise invalid from exc
    sub = claims.get("sub") if isinstance(claims, dict) else None
    if not isinstance(sub, str) or not _SUB.fullmatch(sub) or int(sub) > ID_MAX:
        raise invalid
    return int(sub)
