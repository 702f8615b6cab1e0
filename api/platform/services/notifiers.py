"""Outside channels for reminders: anything with a ``channel`` name and a ``send`` (one attempt).

The in-app message is the record and is written first; a channel only gets a copy. The webhook adapter is
what an e-mail, SMS or WeCom gateway of the bureau receives: signed JSON, one POST per message."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from api.core.config import NotifySettings
from api.core.errors import Misconfigured
from zhifa.clock import now

SIGNATURE_HEADER = "X-Zhifa-Signature"
TIMESTAMP_HEADER = "X-Zhifa-Timestamp"
MESSAGE_HEADER = "X-Zhifa-Message-Id"  # the receiver may de-duplicate on it


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None


class Notifier(Protocol):
    channel: str
    attempts: int
    backoff_seconds: float

    def send(self, payload: dict[str, Any]) -> Outcome: ...


def send_with_retries(
    notifier: Notifier, payload: dict[str, Any], record: Callable[[int, Outcome], None]
) -> bool:
    """Up to ``notifier.attempts`` tries with exponential back-off; ``record(attempt, outcome)`` after each
    (it commits, so a crash loses no attempt). True once one is taken."""
    for attempt in range(1, notifier.attempts + 1):
        if attempt > 1:
            time.sleep(notifier.backoff_seconds * 2 ** (attempt - 2))
        outcome = notifier.send(payload)
        record(attempt, outcome)
        if outcome.ok:
            return True
    return False


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over ``timestamp.body``: a receiver rejects a replay with an old timestamp."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass
class WebhookNotifier:
    url: str
    secret: str
    timeout_seconds: float = 5.0
    attempts: int = 3
    backoff_seconds: float = 1.0
    channel: str = "webhook"

    def send(self, payload: dict[str, Any]) -> Outcome:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        stamp = str(int(now().timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature(self.secret, stamp, body),
            MESSAGE_HEADER: str(payload["message_id"]),
        }
        try:
            r = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout_seconds)
        except httpx.HTTPError as exc:
            return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:300])
        if 200 <= r.status_code < 300:
            return Outcome(True, r.status_code)
        return Outcome(False, r.status_code, r.text[:300] or None)


def configured(settings: NotifySettings) -> list[Notifier]:
    """The outside channels the settings switch on (none: in-app messages only)."""
    if not settings.webhook_url:
        return []
    if not settings.webhook_secret:
        raise Misconfigured(
            "WEBHOOK_SECRET_MISSING",
            "未配置提醒接口密钥 / ZHIFA_NOTIFY_WEBHOOK_SECRET must be set with the webhook URL",
        )
    return [
        WebhookNotifier(
            settings.webhook_url,
            settings.webhook_secret,
            settings.webhook_timeout_seconds,
            settings.webhook_attempts,
            settings.webhook_backoff_seconds,
        )
    ]
