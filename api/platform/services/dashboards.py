"""Links to the Superset dashboards: the dashboard narrowed to the page's context, reached through a
short-lived sign-in token that Superset's /zhifa/sso/ view accepts (dashboards/in_superset/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.errors import Conflict, Invalid, NotFound
from api.models import Officer, Unit, User
from api.platform.services.users import unit_path, visible_units
from zhifa import clock
from zhifa.dashboard_links import BOARDS, dashboard_path, unit_display_path
from zhifa.settings import Settings

AUDIENCE = "zhifa-dashboards"  # = dashboards/in_superset/zhifa_security.py AUDIENCE
MAX_UNIT_VALUES = 200  # a larger subtree is a province: filtered by its name instead


@dataclass(frozen=True)
class Context:
    board: str
    unit_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    officer_id: str | None = None


def _names(session: Session, codes: list[str]) -> dict[str, str]:
    return dict(session.execute(select(Unit.unit_code, Unit.name).where(Unit.unit_code.in_(codes))).all())


def _display_path(session: Session, unit: Unit) -> str:
    codes = unit.path.strip("/").split("/")
    names = _names(session, codes)
    return unit_display_path(names[c] for c in codes)


def target_path(session: Session, user: User, ctx: Context) -> str:
    """The dashboard path with the context's filters; a unit or an officer outside the user's scope is a
    missing one."""
    if ctx.board not in BOARDS:
        raise NotFound("DASHBOARD_NOT_FOUND", f"仪表板不存在 / no dashboard {ctx.board}")
    if ctx.date_from and ctx.date_to and ctx.date_from > ctx.date_to:
        raise Invalid("DATE_RANGE", "开始日期晚于结束日期 / date_from is after date_to")
    visible = visible_units(session, user)
    unit_paths: list[str] | None = None
    province: str | None = None
    if ctx.unit_code is not None:
        unit = session.get(Unit, ctx.unit_code)
        if unit is None or (visible is not None and unit.unit_code not in visible):
            raise NotFound("UNIT_NOT_FOUND", "单位不存在 / no such unit")  # no code echoed
        subtree = list(
            session.scalars(
                select(Unit)
                .where(Unit.path.startswith(unit_path(session, unit.unit_code)))
                .order_by(Unit.path)
            )
        )
        # the user's whole scope needs no filter: row-level security already bounds it
        if visible is None or {u.unit_code for u in subtree} != visible:
            if unit.level == "province" or len(subtree) > MAX_UNIT_VALUES:
                province = unit.name
            else:
                unit_paths = [_display_path(session, u) for u in subtree]
    if ctx.officer_id is not None:
        officer = session.get(Officer, ctx.officer_id)
        if officer is None or (visible is not None and officer.unit_code not in visible):
            raise NotFound("OFFICER_NOT_FOUND", "执法人员不存在 / no such officer")  # no id echoed
    return dashboard_path(ctx.board, unit_paths, province, ctx.date_from, ctx.date_to, ctx.officer_id)


def handover_url(settings: Settings, session: Session, user: User, ctx: Context) -> str:
    """Superset's sign-in address carrying a token for ``user`` and the dashboard to open."""
    key = settings.dashboards_sso_secret
    if not settings.dashboards_url or not key:
        raise Conflict(
            "DASHBOARDS_NOT_CONFIGURED",
            "未配置仪表板地址 / dashboards not configured (ZHIFA_DASHBOARDS_URL, ZHIFA_SECRET_KEY)",
        )
    path = target_path(session, user, ctx)
    now = clock.now()
    token = jwt.encode(
        {
            "sub": user.username,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + timedelta(seconds=settings.dashboards_token_seconds),
        },
        key,
        algorithm="HS256",
    )
    return f"{settings.dashboards_url.rstrip('/')}/zhifa/sso/?{urlencode({'token': token, 'next': path})}"
