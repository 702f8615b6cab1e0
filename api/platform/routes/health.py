"""Liveness and store check (no token)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

from api.deps import TxRoute

router = APIRouter(tags=["health"], route_class=TxRoute)


@router.get("/health", summary="Liveness and database check")
def health(request: Request) -> dict[str, str]:
    with request.app.state.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "database": request.app.state.engine.dialect.name}
