"""Password hashing (argon2 via pwdlib) and signed access tokens (JWT, HS256)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

from api.core.errors import ApiError
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


def read_token(secret: str, token: str) -> int:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise ApiError(401, "INVALID_TOKEN", "令牌无效或已过期 / invalid or expired token") from exc
