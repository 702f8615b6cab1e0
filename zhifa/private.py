"""Files and folders only their owner may read: the platform's state holds personal data and secrets."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077  # what every `zhifa` command runs under: whatever it creates is private


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing folder of ours is tightened to 0700 —
    never a shared one (sticky bit, like /tmp: tightening it would lock every other user out)."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    mode = path.stat().st_mode
    if mode & 0o077 and not mode & stat.S_ISVTX:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty as 0600 if it is missing (before anyone writes into it); tighten it if not.
    A missing folder is created private; an existing one is left as it is (the file is private anyway)."""
    if not path.parent.exists():
        private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        path.chmod(FILE_MODE)
    return path


def stored_secret(path: Path, given: str | None = None) -> tuple[str, bool]:
    """``given`` if set; else the secret kept at ``path``, generated (0600 from the first byte) when missing.
    The flag says whether it was generated now, so the caller can say so."""
    if given:
        return given, False
    if path.exists():
        return path.read_text(encoding="utf-8").strip(), False
    private_dir(path.parent)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(value)
    return value, True
