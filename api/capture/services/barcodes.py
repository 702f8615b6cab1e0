"""Scan photos: open the image safely, run the decode ladder (``zhifa.barcodes``), and carton spray codes."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
from PIL import Image, ImageOps

from api.core.config import get_api_settings
from api.core.errors import DomainError, Invalid, TooLarge, Unsupported
from zhifa.barcodes import ladder

# the ladder's crops come from the photo at this size: a 12 MP JPEG is decoded at half scale (DCT scaling)
_FULL_SIDE = 2048


def _register_heif() -> bool:
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # pragma: no cover - the dependency is declared; a slim install may lack it
        return False
    register_heif_opener()
    return True


_HEIF = _register_heif()


def open_image(data: bytes, max_pixels: int | None = None) -> Image.Image:
    """Decode bytes into a grey image, refusing anything that is not one still picture. The pixel count
    is read from the header and checked before a pixel is decoded (a blank 6300×6300 PNG is a few KB);
    the EXIF orientation is honoured (phones store portrait photos turned)."""
    max_pixels = max_pixels or get_api_settings().max_scan_pixels
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc") and not _HEIF:
        raise Unsupported(
            "UNSUPPORTED_IMAGE", "不支持HEIC图片，请改用JPEG / HEIC photos are not supported; send JPEG"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
            if img.width * img.height > max_pixels:
                raise TooLarge(
                    "IMAGE_TOO_LARGE",
                    f"图片像素过多（{img.width}×{img.height}，上限 {max_pixels} 像素）/ image has too many "
                    f"pixels ({img.width}×{img.height}, at most {max_pixels})",
                )
            if getattr(img, "n_frames", 1) > 1 and img.format != "MPO":  # MPO: a phone JPEG with a preview
                raise Unsupported(
                    "ANIMATED_IMAGE",
                    "请上传单张照片，不要动图或多页图片 / send one still photo, not an animation",
                )
            if img.format == "JPEG" and max(img.size) > 1.5 * _FULL_SIDE:
                img.draft("L", (img.width // 2, img.height // 2))
            img.load()
            transposed = ImageOps.exif_transpose(img) or img
            return transposed.convert("L")
    except DomainError:
        raise
    except Exception as exc:
        raise Invalid("NOT_AN_IMAGE", "文件不是可识别的图片 / file is not a readable image") from exc


@dataclass
class ScanResult:
    confirmed: list[str]
    candidates: list[ladder.Candidate]
    spray_codes: list[str]
    decoder: str | None

    @property
    def ambiguous(self) -> bool:
        """Two codes confirmed, or one confirmed beside another seen more than once (likely a second
        barcode in the frame, not a misread): the officer must choose, nothing is picked for them."""
        rival = any(len(c.seen_by) > 1 for c in self.candidates)
        return len(self.confirmed) > 1 or (len(self.confirmed) == 1 and rival)


def decode_image(img: Image.Image, known: Callable[[str], bool] | None = None,
                 budget_ms: float | None = None) -> ScanResult:  # fmt: skip
    """The ladder on a grey image, within the configured time budget."""
    budget = get_api_settings().scan_budget_ms if budget_ms is None else budget_ms
    gray = np.asarray(img if img.mode == "L" else img.convert("L"))
    out = ladder.decode(gray, budget_ms=budget, known=known)
    return ScanResult(out.confirmed, out.candidates, out.spray_codes, out.decoder)


def decode_bytes(data: bytes, max_pixels: int | None = None, known: Callable[[str], bool] | None = None,
                 budget_ms: float | None = None) -> ScanResult:  # fmt: skip
    return decode_image(open_image(data, max_pixels), known, budget_ms)


# --- carton spray code (DOMAIN §5) ---------------------------------------------------------------
_SPRAY = re.compile(r"^(\d)(\d{2})(\d{2})(\d{9})(\d{2})([0-9A-Za-z]{4})(\d{12})$")


@dataclass
class SprayCode:
    sorting_date: date
    case_serial: str
    carton_serial: str
    company_letters: str
    licence_no: str

    @property
    def division_code(self) -> str:
        return self.licence_no[:6]


def parse_spray_code(raw: str, reference: date) -> SprayCode:
    """Two 16-character lines; the single year digit resolves to the latest year not after ``reference``."""
    text = re.sub(r"\s+", "", raw)
    m = _SPRAY.match(text)
    if not m:
        raise Invalid(
            "BAD_SPRAY_CODE",
            "喷码应为两行各16位（共32位） / spray code must be 2 lines of 16 characters",
        )
    year_digit, month, day, case_serial, carton_serial, letters, licence = m.groups()
    year = reference.year - ((reference.year - int(year_digit)) % 10)
    try:
        sorted_on = date(year, int(month), int(day))
    except ValueError as exc:
        raise Invalid("BAD_SPRAY_CODE", "喷码中的分拣日期无效 / sorting date in spray code invalid") from exc
    if sorted_on > reference:  # same year digit but a later day: it was ten years earlier
        try:
            sorted_on = sorted_on.replace(year=year - 10)
        except ValueError as exc:  # 29 Feb
            raise Invalid("BAD_SPRAY_CODE", "喷码中的分拣日期无效 / sorting date invalid") from exc
    if licence[6] not in "12":
        raise Invalid(
            "BAD_SPRAY_CODE",
            "许可证号第7位应为1或2 / licence digit 7 must be 1 (individual) or 2 (entity)",
        )
    return SprayCode(sorted_on, case_serial, carton_serial, letters.upper(), licence)
