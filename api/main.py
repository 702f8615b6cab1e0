"""App factory: ``uvicorn --factory api.main:create_app`` (``zhifa serve api``)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError

from api.capture.services import clock_store
from api.core.config import ApiSettings, get_api_settings
from api.core.errors import DomainError
from api.core.handlers import install_handlers
from api.core.limits import BodyLimit
from api.db import make_engine, session_scope, upgrade
from api.platform.web import mount_web
from zhifa.settings import Settings, get_settings

DESCRIPTION = """现场办案 — field case capture: scan cartons, value goods, propose the fine from the
discretion benchmark, route deviations and other steps through approvals, and generate the
enforcement documents. Every endpoint except `/health` and `/auth/token` needs a bearer token.
Errors are JSON `{"code": "STABLE_CODE", "message": "中文 / English"}`."""


def create_app(
    settings: Settings | None = None,
    api_settings: ApiSettings | None = None,
    *,
    migrate: bool = True,
) -> FastAPI:
    settings = settings or get_settings()
    api_settings = api_settings or get_api_settings()
    if not settings.secret_key:
        raise RuntimeError("ZHIFA_SECRET_KEY must be set to serve the API (it signs the login tokens)")

    app = FastAPI(title="zhifa field case API", version="1.0.0", description=DESCRIPTION)
    engine = make_engine(settings.api_database_url, pool_size=api_settings.pool_size)
    if migrate:
        upgrade(engine)
    app.state.engine = engine
    app.state.sessionmaker = clock_store.session_factory(
        engine, settings.audit_secret, settings.audit_checkpoints_path
    )
    with session_scope(app.state.sessionmaker) as session:
        clock_store.ensure_current(session)  # new clock settings: the stored deadlines recomputed once
    app.state.settings = settings
    app.state.api_settings = api_settings
    app.state.secret_key = settings.secret_key

    install_handlers(app)
    app.add_middleware(BodyLimit, limit=api_settings.max_request_bytes)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        return JSONResponse(
            {"code": "CONFLICT", "message": "数据冲突，请重试 / conflicting write, retry"}, status_code=409
        )

    @app.exception_handler(OperationalError)
    async def _busy(_: Request, exc: OperationalError) -> JSONResponse:
        return JSONResponse(
            {"code": "STORE_BUSY", "message": "数据库繁忙，请稍后重试 / store busy, retry"}, status_code=503
        )

    from api.capture.routes import (
        approvals,
        archive,
        cases,
        catalog,
        documents,
        field_reference,
        legal_review,
        publication,
        upload_sessions,
        uploads,
        upward,
        valuation,
    )
    from api.licensing.routes import applications as licence_applications
    from api.licensing.routes import field as licence_field
    from api.licensing.routes import layout as licence_layout
    from api.office.routes import messages, office, quality, scorecards, training
    from api.platform import openapi
    from api.platform.routes import audit_log, auth, dashboards, health
    from api.review.routes import arbitration, dossiers, rectifications, review_rules, review_tasks, sampling

    capture = (
        health,
        auth,
        catalog,
        cases,
        valuation,
        approvals,
        documents,
        uploads,
        upload_sessions,
        archive,
        legal_review,
        publication,
        upward,
        audit_log,
        field_reference,
    )
    review = (dossiers, review_rules, review_tasks, sampling, arbitration, rectifications)
    desk = (office, messages, quality, dashboards, training, scorecards)
    licensing = (licence_applications, licence_field, licence_layout)
    for module in (*capture, *review, *desk, *licensing):
        app.include_router(module.router)
    openapi.install(app)
    mount_web(app, settings.web_dist)
    return app


__all__ = ["DomainError", "create_app"]
