"""Login (fixed path ``POST /auth/token``), current user, and user administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api.core.security import create_token
from api.deps import DB, Admin, CurrentUser, TxRoute
from api.models import User
from api.platform.schemas import Token, UserCreate, UserOut
from api.platform.services.login import authenticate
from api.platform.services.users import create_user

router = APIRouter(tags=["auth"], route_class=TxRoute)


@router.post(
    "/auth/token",
    response_model=Token,
    summary="Log in (OAuth2 password form)",
    responses={429: {"description": "too many failed logins for this username or address (Retry-After)"}},
)
def login(request: Request, db: DB, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    settings = request.app.state.api_settings
    client = request.client.host if request.client else None
    user = authenticate(db, settings, form.username, form.password, client)
    return Token(access_token=create_token(request.app.state.secret_key, user.id, settings.token_minutes))


@router.get("/auth/me", response_model=UserOut, summary="The logged-in user")
def me(user: CurrentUser) -> User:
    return user


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a user (admin)")
def add_user(body: UserCreate, db: DB, admin: Admin) -> User:
    return create_user(db, body.username, body.password, body.unit_code, body.roles, body.officer_id, admin)
