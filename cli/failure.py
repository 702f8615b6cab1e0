"""How every ``zhifa`` command fails: one line on stderr saying what to do, exit code 2, no traceback.

Commands refuse what they can foresee with :func:`fail`. Whatever else escapes a command is turned into
one line by :class:`GuardedTyper` (``ZHIFA_DEBUG=1`` shows the traceback instead, for a bug report).
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

USAGE_ERROR = 2
err = Console(stderr=True)


def fail(message: object, code: int = USAGE_ERROR) -> NoReturn:
    """Print ``error: message`` as one line and exit with ``code``."""
    text = " | ".join(line.strip() for line in str(message).splitlines() if line.strip())
    err.print(f"[red]error:[/red] {escape(text)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=code)


def describe(exc: BaseException) -> str:
    """What went wrong and what to do about it, for the exceptions a command cannot foresee."""
    from pydantic import ValidationError
    from sqlalchemy.exc import DBAPIError

    from api.core.errors import DomainError
    from api.platform.services.audit import AuditKeyMissing

    if isinstance(exc, DomainError | AuditKeyMissing):
        return exc.message if isinstance(exc, DomainError) else str(exc)
    if isinstance(exc, ValidationError):
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ()))
        return (
            f"invalid setting {where}: {problem.get('msg')}: fix its ZHIFA_* variable (environment or .env)"
        )
    if isinstance(exc, DBAPIError):
        reason = str(exc.orig or exc).splitlines()[0]
        return f"cannot use the API store ({reason}): check ZHIFA_DATABASE_URL and that the database runs"
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}: check ZHIFA_HOME and the paths given"
    return (
        f"{type(exc).__name__}: {exc} — unexpected; rerun with ZHIFA_DEBUG=1 for the traceback and report it"
    )


class GuardedTyper(typer.Typer):
    """A Typer app whose uncaught exceptions end as one ``error:`` line and exit code 2."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except KeyboardInterrupt:
            err.print("interrupted", highlight=False)
            sys.exit(130)
        except Exception as exc:
            # ZHIFA_DEBUG is read here, not through Settings: a bad setting is one of the errors reported
            if os.environ.get("ZHIFA_DEBUG"):
                raise
            try:
                fail(describe(exc))
            except typer.Exit as done:
                sys.exit(done.exit_code)
