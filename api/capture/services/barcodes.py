"""Barcode decoding (zxing-cpp first, pyzbar fallback; EAN-13/UPC-A only) and carton spray codes."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import date

import zxingcpp
from PIL import Image, ImageOps, ImageStat

from api.core.config import get_api_settings
from api.core.errors import DomainError, Invalid, TooLarge
from ingestion.contract import ean13_is_valid

_FORMATS = zxingcpp.BarcodeFormat.EAN13 | zxingcpp.BarcodeFormat.UPCA
# Rotations tried only when the upright frame yields nothing: hand-held photos are often tilted.
_RETRY_ANGLES = (12, -12, 24, -24, 36, -36)
_CONFIRM_DELTAS = (4, -4)


@dataclass
class ScanResult:
    codes: list[str]
    ambiguous: bool
    decoder: str | None
    tried: list[str] = field(default_factory=list)


def normalise_code(text: str) -> str | None:
    """EAN-13 digits for an EAN-13 or UPC-A reading (UPC-A = EAN-13 with a leading 0)."""
    digits = text.strip()
    if len(digits) == 12 and digits.isdigit():
        digits = "0" + digits
    return digits if ean13_is_valid(digits) else None


def open_image(data: bytes, max_pixels: int | None = None) -> Image.Image:
    """Decode bytes into a grey image, refusing anything that is not a picture. The pixel count is read
    from the header and checked before a pixel is decoded (a blank 6300×6300 PNG is a few KB)."""
    max_pixels = max_pixels or get_api_settings().max_scan_pixels
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
            img.load()
    except DomainError:
        raise
    except Exception as exc:
        raise Invalid("NOT_AN_IMAGE", "文件不是可识别的图片 / file is not a readable image") from exc
    img = ImageOps.exif_transpose(img) or img
    return img.convert("L")


def _zxing(img: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(img, formats=_FORMATS, try_downscale=False)
    return [c for c in (normalise_code(b.text) for b in found) if c]


def _pyzbar(img: Image.Image) -> list[str]:
    from pyzbar.pyzbar import ZBarSymbol, decode

    found = decode(img, symbols=[ZBarSymbol.EAN13, ZBarSymbol.UPCA])
    return [c for c in (normalise_code(s.data.decode("ascii", "replace")) for s in found) if c]


DECODERS = {"zxing-cpp": _zxing, "pyzbar": _pyzbar}


def rotate(img: Image.Image, angle: float) -> Image.Image:
    # Fill the new corners with the photo's median grey: white corners upset zxing's binariser.
    fill = int(ImageStat.Stat(img).median[0])
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def decode_image(img: Image.Image, decoders: tuple[str, ...] = ("zxing-cpp", "pyzbar")) -> ScanResult:
    """First decoder (and angle) that reads anything wins; two different codes are ambiguous.

    Only the first decoder on the upright frame is trusted alone. A reading from the fallback or a
    rotated frame (where misreads with a valid check digit happen) must be confirmed by a second,
    independent reading: the other decoder on that frame, or the same decoder a few degrees off.
    """
    tried: list[str] = []
    for angle in (0, *_RETRY_ANGLES):
        frame = rotate(img, angle) if angle else img
        for name in decoders:
            tried.append(f"{name}@{angle}")
            codes = sorted(set(DECODERS[name](frame)))
            if not codes:
                continue
            if len(codes) > 1 or (angle == 0 and name == decoders[0]):
                return ScanResult(codes=codes, ambiguous=len(codes) > 1, decoder=name, tried=tried)
            if _confirmed(img, frame, angle, name, codes[0], decoders, tried):
                return ScanResult(codes=codes, ambiguous=False, decoder=name, tried=tried)
    return ScanResult(codes=[], ambiguous=False, decoder=None, tried=tried)


def _confirmed(img: Image.Image, frame: Image.Image, angle: int, name: str, code: str,
               decoders: tuple[str, ...], tried: list[str]) -> bool:  # fmt: skip
    others = [d for d in decoders if d != name]
    checks: list[tuple[str, Image.Image | None, int]] = [(other, frame, angle) for other in others]
    # the fallback repeats its own misreads at nearby angles: only another decoder confirms it
    confirmers = [name, *others] if name == decoders[0] else others
    checks += [(d, None, angle + delta) for d in confirmers for delta in _CONFIRM_DELTAS]
    for decoder, ready, at in checks:
        tried.append(f"confirm:{decoder}@{at}")
        if code in DECODERS[decoder](ready if ready is not None else rotate(img, at)):
            return True
    return False


def decode_bytes(data: bytes, max_pixels: int | None = None) -> ScanResult:
    return decode_image(open_image(data, max_pixels))


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
