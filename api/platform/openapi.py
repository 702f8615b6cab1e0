"""/openapi.json as the API really answers: every error in the one error shape, and links between
operations so a client (or Schemathesis' stateful tests) can follow an id from the response that made it.

FastAPI documents 422 as its own ``HTTPValidationError``; ours is ``{"code", "message", "detail"?}`` for
every 4xx. Links are derived, not hand-written: a 200/201 response whose body has ``case_id`` (``dossier_id``,
``task_id`` …) links to every operation with that path parameter."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

LINKED_IDS = ("case_id", "dossier_id", "task_id", "approval_id", "plan_id", "draw_id", "document_id",
              "upload_id", "review_id", "rule_id")  # fmt: skip


class ErrorOut(BaseModel):
    code: str = Field(
        description="stable code, e.g. CASE_NOT_FOUND, VALIDATION_ERROR", examples=["NOT_FOUND"]
    )
    message: str = Field(description="中文 / English", examples=["资源不存在 / not found"])
    detail: Any = Field(default=None, description="per-field or per-file problems, when there are several")


ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in schema.get("paths", {}).items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _body_properties(schema: dict[str, Any], response: dict[str, Any]) -> set[str]:
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    target = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    return set(target.get("properties", {}))


def _add_links(schema: dict[str, Any]) -> None:
    ops = _operations(schema)
    takes = {
        name: [(op["operationId"], path) for path, _, op in ops if "{" + name + "}" in path]
        for name in LINKED_IDS
    }
    for _, _, op in ops:
        for status in ("200", "201"):
            response = op.get("responses", {}).get(status)
            if not response:
                continue
            links: dict[str, Any] = {}
            for name in sorted(_body_properties(schema, response) & set(LINKED_IDS)):
                for target, path in takes[name]:
                    if any("{" + other + "}" in path for other in LINKED_IDS if other != name):
                        continue  # needs a second id this response does not carry
                    links[f"{target}_by_{name}"] = {
                        "operationId": target,
                        "parameters": {f"path.{name}": f"$response.body#/{name}"},
                    }
            if links:
                response["links"] = links


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorOut"] = ErrorOut.model_json_schema()
        for _, _, op in _operations(schema):
            responses = op.setdefault("responses", {})
            responses["422"] = _error("请求数据无效 / invalid request")
            responses["4XX"] = _error("拒绝：见 code / refused: see code")
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        _add_links(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
