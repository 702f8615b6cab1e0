"""What a file really is, from its first bytes — never from its name."""

from __future__ import annotations

import io
import zipfile
from typing import Literal

Kind = Literal["pdf", "docx", "image", "ole", "zip", "empty", "unknown"]

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"II*\x00",  # TIFF little-endian
    b"MM\x00*",  # TIFF big-endian
    b"BM",  # BMP
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: legacy .doc or an encrypted OOXML
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def sniff(data: bytes) -> Kind:
    if not data.strip():
        return "empty"
    head = data[:1024]
    if b"%PDF-" in head:  # the header may follow a little junk
        return "pdf"
    if data.startswith(_IMAGE_MAGIC):
        return "image"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return "zip"  # a damaged zip: reported as a damaged Word file when named so
        return "docx" if "word/document.xml" in names else "zip"
    return "unknown"


def is_encrypted_office(data: bytes) -> bool:
    """A password-protected DOCX is a compound file holding an ``EncryptedPackage`` stream."""
    return data.startswith(_OLE_MAGIC) and _ENCRYPTED_PACKAGE in data
