"""Request dependencies: database session per request, current user, role checks."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.core.errors import Forbidden, Unauthenticated
from api.core.security import ID_MAX, read_token
from api.db import READ_ONLY
from api.models import User

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def get_db(request: Request) -> Iterator[Session]:
    """The request's session. ``TxRoute`` commits it inside the handler's own thread call; whatever
    is still open here (an error) is rolled back."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def _transactional(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Commit before the handler's thread call ends. FastAPI runs dependencies and the handler in
    separate thread-pool calls: a transaction left open between them holds SQLite's write lock while
    waiting for a free thread, and under load every thread then waits on that lock."""
    if "db" not in inspect.signature(endpoint).parameters or inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        db: Session = kwargs["db"]
        try:
            result = endpoint(*args, **kwargs)
            db.commit()
            return result
        except BaseException:
            db.rollback()
            raise

    return run


class TxRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _transactional(endpoint), **kwargs)


DB = Annotated[Session, Depends(get_db)]
IdemKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=100, description="retry-safe write: same key → written once"),
]


def current_user(request: Request, db: DB, token: Annotated[str | None, Depends(oauth2)]) -> User:
    if not token:
        raise Unauthenticated("UNAUTHENTICATED", "需要登录令牌 / bearer token required")
    user_id = read_token(request.app.state.secret_key, token)
    db.connection(execution_options={READ_ONLY: True})  # a read: it need not queue behind writers
    user = db.get(User, user_id)
    db.commit()  # end this read now: the handler runs in another thread call (see _transactional)
    if user is None or not user.active:
        raise Unauthenticated("INVALID_TOKEN", "用户不存在或已停用 / user unknown or disabled")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(*roles: str) -> Callable[[User], Awaitable[User]]:
    """Dependency factory: the user must hold at least one of ``roles`` (admin always passes)."""

    async def check(user: CurrentUser) -> User:  # no I/O: on the event loop, not one more thread hop
        if not (user.role_set & (set(roles) | {"admin"})):
            raise Forbidden(
                "ROLE_REQUIRED", f"需要角色 {'/'.join(roles)} / role required: {' or '.join(roles)}"
            )
        return user

    return check


Officer = Annotated[User, Depends(require("officer"))]
Approver = Annotated[User, Depends(require("approver", "legal_reviewer"))]
Admin = Annotated[User, Depends(require("admin"))]

# Row ids beyond ID_MAX (api.core.security) are refused with 422 before they reach the store.
PathId = Annotated[int, Path(ge=1, le=ID_MAX)]
QueryId = Annotated[int, Query(ge=1, le=ID_MAX)]
