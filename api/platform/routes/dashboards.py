"""Links from the office pages to the Superset dashboards (issue #17, page item 6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from api.core.bounds import PlausibleDate
from api.deps import DB, CurrentUser, TxRoute
from api.platform.services import dashboards
from zhifa.dashboard_links import BOARDS

router = APIRouter(tags=["dashboards"], route_class=TxRoute)


class Board(BaseModel):
    slug: str
    title: str


class DashboardsOut(BaseModel):
    configured: bool  # false: no ZHIFA_DASHBOARDS_URL, the pages show no links
    boards: list[Board]


class LinkOut(BaseModel):
    url: str  # Superset's sign-in address: valid for ZHIFA_DASHBOARDS_TOKEN_SECONDS, open it at once


@router.get("/dashboards", summary="The dashboards the pages can link to")
def list_dashboards(request: Request, user: CurrentUser) -> DashboardsOut:
    settings = request.app.state.settings
    return DashboardsOut(
        configured=bool(settings.dashboards_url and settings.dashboards_sso_secret),
        boards=[Board(slug=s, title=t) for s, t in BOARDS.items()],
    )


@router.get(
    "/dashboards/{board}/link",
    summary="Sign-in link to a dashboard, narrowed to a unit (subtree), an officer and a period",
    responses={404: {"description": "no such dashboard, or a unit or officer outside the caller's scope"}},
)
def dashboard_link(
    request: Request,
    db: DB,
    user: CurrentUser,
    board: str,
    unit_code: Annotated[str | None, Query(max_length=12, pattern=r"^[0-9A-Za-z]+$")] = None,
    date_from: PlausibleDate | None = None,
    date_to: PlausibleDate | None = None,
    officer_id: Annotated[str | None, Query(max_length=20, pattern=r"^[0-9A-Za-z]+$")] = None,
) -> LinkOut:
    ctx = dashboards.Context(board, unit_code, date_from, date_to, officer_id)
    return LinkOut(url=dashboards.handover_url(request.app.state.settings, db, user, ctx))
