"""A fake receiving gateway for the reminder webhook: a real HTTP server (uvicorn in a thread) that records
every request and can be told to fail the next N."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from apitest_support import served_in_thread
from fastapi import FastAPI, Request, Response


@dataclass
class Receiver:
    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    fail_next: int = 0  # answer 503 to this many requests (recorded all the same)

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@contextmanager
def fake_gateway() -> Iterator[Receiver]:
    receiver = Receiver()
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        receiver.received.append(({k.lower(): v for k, v in request.headers.items()}, await request.body()))
        if receiver.fail_next > 0:
            receiver.fail_next -= 1
            return Response("gateway busy", status_code=503)
        return Response('{"ok": true}', media_type="application/json")

    with served_in_thread(app) as base:
        receiver.url = f"{base}/hook"
        yield receiver
