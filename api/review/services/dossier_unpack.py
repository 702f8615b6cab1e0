"""Uploaded dossier parts → named files, each either bytes to recognise or a per-file error.

A zip (that is not a Word file) is expanded **one level**: a zip inside it is refused as a per-file error
(``NESTED_ZIP``), never opened, so one upload cannot unfold without limit. Every member is checked before it
is inflated — its name (no absolute path, no ``..``), the declared total size and each member's compression
ratio (:class:`~api.core.config.ApiSettings`) — and inflation stops at the declared size, so a zip bomb costs
nothing but its header. Problems are messages in Chinese and English; nothing here raises for bad input.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from api.core.config import ApiSettings
from ingestion.recognition.sniff import sniff

_CHUNK = 1024 * 1024


@dataclass
class Part:
    """One file of the dossier as received: ``data`` to recognise, or ``error_code`` + ``error``."""

    filename: str
    data: bytes | None
    size: int
    error_code: str | None = None
    error: str | None = None


def _err(name: str, size: int, code: str, zh: str, en: str) -> Part:
    return Part(name, None, size, code, f"{zh}：{name} / {en}: {name}")


def clean_name(raw: str | None) -> tuple[str, str | None]:
    """(display name, problem): the base name of a member; a path that climbs out or is absolute is a
    problem (the file is refused, its name kept only for the report)."""
    text = unicodedata.normalize("NFC", raw or "").replace("\\", "/").replace("\x00", "")
    shown = text[-200:] or "(无名 unnamed)"
    if not text.strip():
        return shown, "empty"
    path = PurePosixPath(text)
    if text.startswith("/") or ".." in path.parts or (len(text) > 1 and text[1] == ":"):
        return shown, "unsafe"
    base = path.name.strip()
    if not base or base.startswith("."):
        return shown, "unsafe"
    return base[:200], None


def _named(raw: str | None, data: bytes) -> Part:
    name, problem = clean_name(raw)
    if problem == "unsafe":
        return _err(
            name, len(data), "UNSAFE_FILENAME", "文件名含路径或非法字符", "file name leaves the folder"
        )
    if problem == "empty":
        return _err(name, len(data), "BAD_FILENAME", "缺少文件名", "file name missing")
    if not data.strip():
        return _err(name, len(data), "EMPTY_FILE", "空文件", "empty file")
    return Part(name, data, len(data))


def is_plain_zip(data: bytes) -> bool:
    """A zip archive that is not an Office file (DOCX, XLSX … are zips with a content-types part)."""
    if sniff(data) != "zip" or not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" not in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return True  # damaged: unpack() reports it


def unpack(raw_name: str | None, data: bytes, settings: ApiSettings) -> list[Part]:
    """The parts of one uploaded file: itself, or the members of a zip (one level)."""
    if not is_plain_zip(data):
        return [_named(raw_name, data)]
    name, _ = clean_name(raw_name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        return [_err(name, len(data), "BAD_ZIP", "压缩包已损坏", "damaged zip file")]
    declared = sum(m.file_size for m in members)
    if declared > settings.dossier_max_unpacked_bytes:
        limit = settings.dossier_max_unpacked_bytes
        return [
            _err(
                name,
                len(data),
                "ZIP_TOO_LARGE",
                f"压缩包解压后超过 {limit} 字节，疑似压缩炸弹，已拒收",
                f"zip unpacks to more than {limit} bytes (zip bomb?), refused",
            )
        ]
    parts: list[Part] = []
    budget = settings.dossier_max_unpacked_bytes
    for index, member in enumerate(members):
        shown, _ = clean_name(member.filename)
        if index >= settings.dossier_max_files:
            parts.append(
                _err(
                    shown,
                    member.file_size,
                    "TOO_MANY_FILES",
                    f"超过单次上传 {settings.dossier_max_files} 个文件的上限，未处理",
                    f"more than {settings.dossier_max_files} files in one upload, skipped",
                )
            )
            continue
        parts.append(_member(archive, member, settings, budget))
        budget -= parts[-1].size
    return parts


def _member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, settings: ApiSettings, budget: int) -> Part:
    name, problem = clean_name(member.filename)
    size = member.file_size
    if problem is not None:
        return _named(member.filename, b"x")  # the name alone decides: refused before inflating
    if member.flag_bits & 0x1:
        return _err(name, size, "ENCRYPTED_ZIP", "压缩包内文件有密码保护", "password-protected zip member")
    ratio = size / max(member.compress_size, 1)
    if ratio > settings.dossier_max_zip_ratio:  # every member: 300 small bombs add up too
        return _err(
            name,
            size,
            "ZIP_BOMB",
            f"压缩比 {ratio:.0f} 超过上限 {settings.dossier_max_zip_ratio:.0f}，疑似压缩炸弹，已拒收",
            f"compression ratio {ratio:.0f} above {settings.dossier_max_zip_ratio:.0f} (zip bomb?), refused",
        )
    cap = min(size, budget, settings.max_upload_bytes)
    try:
        data = _read_capped(archive, member, cap)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return _err(name, size, "BAD_ZIP", "压缩包内文件已损坏", "damaged zip member")
    if data is None:
        return _err(
            name, size, "ZIP_BOMB", "解压后大小超过声明或上限，已拒收", "member inflates past its limit"
        )
    if is_plain_zip(data):
        return _err(
            name,
            len(data),
            "NESTED_ZIP",
            "压缩包内不接受再嵌套压缩包，请解压后上传",
            "a zip inside the zip is not opened; upload its files instead",
        )
    return _named(member.filename, data)


def _read_capped(archive: zipfile.ZipFile, member: zipfile.ZipInfo, cap: int) -> bytes | None:
    """The member's bytes, or None once more than ``cap`` bytes come out (a lying header)."""
    out = bytearray()
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            out += chunk
            if len(out) > cap:
                return None
    return bytes(out)
