"""Byte-reproducible zip containers (DOCX, XLSX): equal content must give equal bytes."""

from __future__ import annotations

import io
import re
import zipfile

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # earliest date a zip entry can hold
# Office writers stamp the save time into the core properties; pin it.
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")


def normalise_zip(data: bytes, *, pin_core_times: bool = False) -> bytes:
    """The same entries, in the same order, with fixed dates and attributes.

    ``pin_core_times`` also fixes ``docProps/core.xml`` dates (openpyxl writes the save time there)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 0
            body = src.read(info.filename)
            if pin_core_times and info.filename == "docProps/core.xml":
                body = _CORE_TIMES.sub(rb"\g<1>2020-01-01T00:00:00Z", body)
            dst.writestr(fixed, body)
    return out.getvalue()
