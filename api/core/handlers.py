"""The one error shape for every failure: ``{"code": "STABLE_CODE", "message": "中文 / English"}``, and the
one place a domain error (api.core.errors) becomes an HTTP status and headers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    Misconfigured,
    NotFound,
    TooLarge,
    TooMany,
    Unauthenticated,
    Unsupported,
)

# The one place a domain error becomes an HTTP status.
STATUS: dict[type[DomainError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    Unsupported: 415,
    Invalid: 422,
    TooMany: 429,
    Misconfigured: 500,
}


_HTTP_CODES = {
    401: ("UNAUTHENTICATED", "未登录或令牌无效 / not authenticated"),
    403: ("FORBIDDEN", "无权操作 / forbidden"),
    404: ("NOT_FOUND", "资源不存在 / not found"),
    405: ("METHOD_NOT_ALLOWED", "不支持的方法 / method not allowed"),
    413: ("TOO_LARGE", "请求过大 / request too large"),
}


def _body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "message": message}
    if detail is not None:
        out["detail"] = detail
    return out


def _http(exc: DomainError) -> tuple[int, dict[str, str]]:
    status = next(s for cls, s in STATUS.items() if isinstance(exc, cls))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if isinstance(exc, TooMany):
        headers["Retry-After"] = str(exc.retry_after)
    return status, headers


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        status, headers = _http(exc)
        return JSONResponse(_body(exc.code, exc.message, exc.detail), status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": ""}
        where = ".".join(str(p) for p in first["loc"])
        message = f"请求数据无效：{where} {first['msg']} / invalid request: {where} {first['msg']}"
        return JSONResponse(_body("VALIDATION_ERROR", message, errors), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_exc(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", str(exc.detail)))
        if exc.status_code == 400:
            code, message = "BAD_REQUEST", f"请求无效 / bad request: {exc.detail}"
        return JSONResponse(_body(code, message), exc.status_code, headers=exc.headers)
