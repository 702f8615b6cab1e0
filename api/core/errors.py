"""One error shape for every failure: ``{"code": "STABLE_CODE", "message": "中文 / English"}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """A refusal the client can act on; ``code`` never changes once published."""

    def __init__(
        self, status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.headers = headers or {}


def not_found(what: str, zh: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{zh}不存在 / {what} not found")


def case_not_found() -> ApiError:
    """The one answer for a case the caller may not see and a case that does not exist: no id echoed, so
    the two cannot be told apart."""
    return ApiError(404, "CASE_NOT_FOUND", "案件不存在 / case not found")


def forbidden(zh: str, en: str) -> ApiError:
    return ApiError(403, "FORBIDDEN", f"{zh} / {en}")


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


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        return JSONResponse(
            _body(exc.code, exc.message, exc.detail), exc.status, headers=headers | exc.headers
        )

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
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", str(exc.detail)))
        if exc.status_code == 400:
            code, message = "BAD_REQUEST", f"请求无效 / bad request: {exc.detail}"
        return JSONResponse(_body(code, message), exc.status_code, headers=exc.headers)
