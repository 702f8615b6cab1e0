"""The one CJK font every output uses — Noto Sans CJK SC from Debian fonts-noto-cjk — loaded once.

The PDF side needs a TrueType conversion (see :mod:`zhifa.documents.fontbuild`), built on first use
into ``ZHIFA_HOME/cache/fonts`` (a few seconds, once per machine); images are drawn from the
original collection through FreeType. DroidSansFallback, the system default, lacks Latin digits.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from zhifa.documents.fontbuild import cached_truetype, find_face
from zhifa.settings import get_settings

FONT_FILE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_FAMILY = "Noto Sans CJK SC"
PDF_FONT_NAME = "NotoSansCJKsc"


def font_cache_dir() -> Path:
    return get_settings().home_dir / "cache" / "fonts"


@lru_cache(maxsize=1)
def pdf_font() -> str:
    """Register the embeddable font with reportlab (once per process) and return its name."""
    if not FONT_FILE.exists():
        raise FileNotFoundError(
            f"缺少中文字体 / CJK font missing: {FONT_FILE} (Debian package fonts-noto-cjk)"
        )
    pdfmetrics.registerFont(
        TTFont(PDF_FONT_NAME, str(cached_truetype(FONT_FILE, FONT_FAMILY, font_cache_dir())))
    )
    return PDF_FONT_NAME


def text_width(text: str, size: float) -> float:
    """Width in points of ``text`` at ``size`` points (the same advance widths in every output)."""
    return pdfmetrics.stringWidth(text, pdf_font(), size)


@lru_cache(maxsize=1)
def _face_index() -> int:
    return find_face(FONT_FILE, FONT_FAMILY)


@lru_cache(maxsize=32)
def image_font(pixel_size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), pixel_size, index=_face_index())
