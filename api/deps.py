"""Request dependencies: database session per request, current user, role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.core.errors import ApiError
from api.core.security import read_token
from api.models import User

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DB = Annotated[Session, Depends(get_db, scope="function")]


def current_user(request: Request, db: DB, token: Annotated[str | None, Depends(oauth2)]) -> User:
    if not token:
        raise ApiError(401, "UNAUTHENTICATED", "需要登录令牌 / bearer token required")
    user_id = read_token(request.app.state.secret_key, token)
    user = db.get(User, user_id)
    if user is None or not user.active:
        raise ApiError(401, "INVALID_TOKEN", "用户不存在或已停用 / user unknown or disabled")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(*roles: str) -> Callable[[User], User]:
    """Dependency factory: the user must hold at least one of ``roles`` (admin always passes)."""

    def check(user: CurrentUser) -> User:
        if not (user.role_set & (set(roles) | {"admin"})):
            raise ApiError(
                403, "ROLE_REQUIRED", f"需要角色 {'/'.join(roles)} / role required: {' or '.join(roles)}"
            )
        return user

    return check


Officer = Annotated[User, Depends(require("officer"))]
Approver = Annotated[User, Depends(require("approver", "legal_reviewer"))]
Admin = Annotated[User, Depends(require("admin"))]
