"""User accounts and unit scope (who may see which cases)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol, TypeVar, get_args

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.core.errors import Conflict, Invalid, NotFound
from api.core.security import hash_password
from api.models import Officer, Unit, User
from api.platform.schemas import Role
from api.platform.services import audit
from zhifa.clock import now

ROLES: tuple[str, ...] = get_args(Role)
# Roles whose holder sees its unit's whole subtree, not just its own unit.
SUBTREE_ROLES = frozenset({"approver", "manager", "reviewer", "quality", "legal_reviewer", "admin"})


def parse_roles(roles: Sequence[str] | str) -> list[str]:
    """Roles from a list or a ';'-separated string; unknown or none is a clear error."""
    role_list = [r.strip() for r in (roles.split(";") if isinstance(roles, str) else roles) if r.strip()]
    unknown = sorted(set(role_list) - set(ROLES))
    if unknown or not role_list:
        raise Invalid("UNKNOWN_ROLE", f"未知角色 / unknown role(s): {unknown or 'none given'}")
    return role_list


def create_user(
    session: Session,
    username: str,
    password: str,
    unit_code: str,
    roles: Sequence[str] | str,
    officer_id: str | None = None,
    actor: User | None = None,
) -> User:
    """Create a login (``zhifa users create``). Caller commits."""
    role_list = parse_roles(roles)
    if len(password) < 8:
        raise Invalid("WEAK_PASSWORD", "密码至少8位 / password needs at least 8 characters")
    if session.get(Unit, unit_code) is None:
        raise Invalid("UNKNOWN_UNIT", f"单位不存在 / unknown unit {unit_code}")
    if officer_id is not None:
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise Invalid("UNKNOWN_OFFICER", f"执法人员不存在 / unknown officer {officer_id}")
        if officer.unit_code != unit_code:
            raise Invalid("OFFICER_UNIT_MISMATCH", "执法人员不属于该单位 / officer belongs to another unit")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("USERNAME_TAKEN", f"用户名已存在 / username {username} exists")
    user = User(
        username=username,
        password_hash=hash_password(password),
        unit_code=unit_code,
        officer_id=officer_id,
        roles=";".join(role_list),
        active=True,
        created_at=now(),
    )
    audit.add_created(session, actor, user, action="create", entity="user", entity_id="id")
    return user


def _change(session: Session, username: str, actor: User | None, action: str, **values: object) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound("USER_NOT_FOUND", f"用户不存在 / no user {username}")
    before = audit.snapshot(user)
    for name, value in values.items():
        setattr(user, name, value)
    session.flush()
    audit.record(
        session,
        user_id=actor.id if actor is not None else None,
        username=actor.username if actor is not None else "cli",
        action=action,
        entity="user",
        entity_id=str(user.id),
        before=before,
        after=audit.snapshot(user),
    )
    return user


def set_roles(session: Session, username: str, roles: Sequence[str] | str, actor: User | None = None) -> User:
    """Re-role a login (``zhifa users roles``); its dashboards follow on the next sync. Caller commits."""
    return _change(session, username, actor, "set_roles", roles=";".join(parse_roles(roles)))


def set_active(session: Session, username: str, active: bool, actor: User | None = None) -> User:
    """Disable or re-enable a login (``zhifa users disable|enable``): a disabled user can neither log in
    to the API nor sign in to the dashboards. Caller commits."""
    return _change(session, username, actor, "enable" if active else "disable", active=active)


_SCOPE_MEMO = "visible_units"  # session.info keys, present only inside ``remembered_scope``
_UNITS_HELD = "units_held"


def unit_path(session: Session, unit_code: str) -> str:
    unit = session.get(Unit, unit_code)
    held = session.info.get(_UNITS_HELD)
    if held is not None and unit is not None:
        held[unit_code] = unit  # the identity map keeps units weakly: asked again, it would read them again
    return unit.path if unit else f"/{unit_code}/"


def subtree_codes(session: Session, unit_code: str) -> Select[str]:
    """The codes of the unit and every unit under it (its path is their prefix)."""
    return select(Unit.unit_code).where(Unit.path.startswith(unit_path(session, unit_code)))


@contextmanager
def remembered_scope(session: Session) -> Iterator[None]:
    """Inside the block each user's visible units are looked up once: a read of many parts (the 待办
    inbox asks in nine places) need not walk the unit tree nine times. Only around reads: a unit or a role
    changed inside the block would not be seen."""
    session.info[_SCOPE_MEMO], session.info[_UNITS_HELD] = {}, {}
    try:
        yield
    finally:
        session.info.pop(_SCOPE_MEMO, None)
        session.info.pop(_UNITS_HELD, None)


def visible_units(session: Session, user: User) -> frozenset[str] | None:
    """Unit codes whose cases the user sees; ``None`` means every unit (admin)."""
    memo: dict[int, frozenset[str] | None] | None = session.info.get(_SCOPE_MEMO)
    if memo is not None and user.id in memo:
        return memo[user.id]
    units = _visible_units(session, user)
    if memo is not None:
        memo[user.id] = units
    return units


def _visible_units(session: Session, user: User) -> frozenset[str] | None:
    roles = user.role_set
    if "admin" in roles:
        return None
    if roles & SUBTREE_ROLES:
        return frozenset(session.scalars(subtree_codes(session, user.unit_code)))
    return frozenset({user.unit_code})


def can_see_unit(session: Session, user: User, unit_code: str) -> bool:
    units = visible_units(session, user)
    return units is None or unit_code in units


class _InUnit(Protocol):
    @property
    def unit_code(self) -> str: ...


ScopedRow = TypeVar("ScopedRow", bound=_InUnit)


def in_scope(session: Session, user: User, row: ScopedRow | None, code: str, message: str) -> ScopedRow:
    """``row`` if it exists and its unit is in the user's scope; otherwise 404, so that rows of other
    units look exactly like rows that do not exist."""
    if row is None or not can_see_unit(session, user, row.unit_code):
        raise NotFound(code, message)
    return row


def province_of(session: Session, unit_code: str) -> str:
    """The province-level bureau above a unit (its own code if it is one)."""
    codes = unit_path(session, unit_code).strip("/").split("/")
    rows = session.execute(select(Unit.unit_code, Unit.level).where(Unit.unit_code.in_(codes)))
    levels = {code: level for code, level in rows}
    return next((c for c in codes if levels.get(c) == "province"), codes[0])
