"""Domain errors: a stable code and the ``中文 / English`` message, no HTTP.

Services and routes raise a :class:`DomainError` subclass (what went wrong, with a stable code and the
bilingual message); ``api.core.handlers`` alone decides the HTTP status and headers, so this module
imports nothing of the web framework."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the client can act on; ``code`` never changes once published."""

    def __init__(self, code: str, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


class Unauthenticated(DomainError):
    """No valid login or token."""


class Forbidden(DomainError):
    """Logged in, but the role or unit may not do this."""


class NotFound(DomainError):
    """Missing — or outside the caller's scope, which answers the same."""


class Conflict(DomainError):
    """The request is well formed but the current state refuses it."""


class Invalid(DomainError):
    """The request's content is wrong."""


class TooLarge(DomainError):
    """A body, file or list over its limit."""


class Unsupported(DomainError):
    """A media type the endpoint does not take."""


class TooMany(DomainError):
    """Too many attempts; ``retry_after`` seconds until the next one is allowed."""

    def __init__(self, code: str, message: str, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class Misconfigured(DomainError):
    """A setting or reference row the service cannot work with: the operator's fault, not the client's."""


def not_found(what: str, zh: str) -> NotFound:
    return NotFound("NOT_FOUND", f"{zh}不存在 / {what} not found")


def case_not_found() -> NotFound:
    """The one answer for a case the caller may not see and a case that does not exist: no id echoed, so
    the two cannot be told apart."""
    return NotFound("CASE_NOT_FOUND", "案件不存在 / case not found")


def forbidden(zh: str, en: str) -> Forbidden:
    return Forbidden("FORBIDDEN", f"{zh} / {en}")
