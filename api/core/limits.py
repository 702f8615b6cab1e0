"""Request-body cap (``ZHIFA_API_MAX_REQUEST_BYTES``), applied before any route parses a form.

Multipart bodies are spooled to disk by the framework before a handler runs, so a per-file limit in the
handler comes too late for four 150 MB files: a declared ``Content-Length`` above the cap is refused at
once, and a body streamed without one is cut off as soon as it passes the cap. Both answer 413 in the
project's error shape."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _body(self) -> bytes:
        mib = self.limit / 1024 / 1024
        message = f"请求过大，单次上传不超过 {mib:.0f} MiB / request larger than {mib:.0f} MiB"
        return json.dumps({"code": "REQUEST_TOO_LARGE", "message": message}, ensure_ascii=False).encode()

    async def _refuse(self, send: Send) -> None:
        body = self._body()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        state: dict[str, Any] = {"over": False, "started": False}

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    state["over"] = True
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            if state["over"]:
                return  # whatever the app makes of the cut-off body, the answer is 413
            state["started"] = state["started"] or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):  # raised from our own receive: the answer is sent below
            await self.app(scope, counted, guarded)
        if state["over"] and not state["started"]:
            await self._refuse(send)
