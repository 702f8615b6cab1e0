"""The one CJK font every output uses — Noto Sans CJK SC from Debian fonts-noto-cjk — loaded once.

fonts-noto-cjk ships CFF outlines and reportlab embeds only TrueType (``glyf``) outlines, so for PDFs
fontTools subsets the Simplified Chinese face to the characters official documents use and converts
its cubic curves to quadratic ones (within 1/1000 em), once per machine, into
``ZHIFA_HOME/cache/fonts``. Images are drawn from the original collection through FreeType.
DroidSansFallback, the system default, lacks Latin digits. Noto CJK is under the SIL Open Font
License 1.1 (no reserved font name), which allows modified copies and embedding; the converted copy
stays in ``ZHIFA_HOME``, PDFs embed subsets of it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import fontTools
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable
from fontTools.ttLib.tables._g_l_y_f import Glyph
from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont

from zhifa.settings import get_settings

FONT_FILE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_FAMILY = "Noto Sans CJK SC"
PDF_FONT_NAME = "NotoSansCJKsc"

BUILD_VERSION = 3  # bump when the conversion changes, so stale cache files are not reused
TOLERANCE = 1.0  # font units (1/1000 em): maximum distance of the quadratic approximation
CHARACTER_RANGES = (
    (0x0020, 0x024F),  # Latin
    (0x2000, 0x206F),  # general punctuation
    (0x2100, 0x21FF),  # letterlike symbols, number forms, arrows
    (0x2460, 0x24FF),  # circled numbers
    (0x2500, 0x26FF),  # box drawing, shapes, check boxes
    (0x3000, 0x303F),  # CJK symbols and punctuation 、。〔〕《》
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms ：（），
)
# What reportlab reads from a TrueType font; the rest (layout, vertical metrics) only adds bytes.
KEPT_TABLES = ("OS/2", "cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post")


def font_cache_dir() -> Path:
    return get_settings().home_dir / "cache" / "fonts"


def find_face(path: Path, family: str) -> int:
    """Index of the face named ``family`` (e.g. "Noto Sans CJK SC") in a font collection."""
    with path.open("rb") as file:
        is_collection = file.read(4) == b"ttcf"
    faces = TTCollection(path, lazy=True).fonts if is_collection else [TTFont(path, lazy=True)]
    for index, face in enumerate(faces):
        if face["name"].getDebugName(1) == family:
            return index
    raise LookupError(f"no face {family!r} in {path}")


def _cmap_glyphs(font: TTFont, codes: set[int]) -> set[str]:
    """The glyphs the subsetter will keep for ``codes``: those the Unicode cmaps give them, and .notdef."""
    cmap = font["cmap"]
    cmap.tables = [table for table in cmap.tables if table.format != 14]  # reportlab ignores UVS
    return {".notdef"} | {
        name
        for table in cmap.tables
        if table.isUnicode()
        for code, name in table.cmap.items()
        if code in codes
    }


def _cff_to_glyf(font: TTFont, wanted: set[str]) -> None:
    """Replace the CFF outlines by TrueType ones; glyphs not ``wanted`` are left empty for the subsetter."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    hmtx = font["hmtx"]
    for name in order:
        if name not in wanted:
            glyf.glyphs[name] = Glyph()  # empty
            continue
        pen = TTGlyphPen(None)
        # CFF outer contours run counter-clockwise, TrueType ones clockwise
        glyph_set[name].draw(Cu2QuPen(pen, TOLERANCE, reverse_direction=True))
        glyph = glyf.glyphs[name] = pen.glyph()
        glyph.recalcBounds(glyf)  # quadratic control points can reach past the CFF bounds
        hmtx[name] = (hmtx[name][0], glyph.xMin)
    font["loca"] = newTable("loca")
    for tag in sorted(set(font.keys()) - {"GlyphOrder", *KEPT_TABLES}):  # TTFont has no __iter__
        del font[tag]
    font.sfntVersion = "\x00\x01\x00\x00"
    font["head"].glyphDataFormat = 0
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 2
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, field, 0)  # no hinting programs, no composite glyphs
    post = font["post"]
    post.formatType = 3.0  # no glyph names (CID-keyed source: they would only be "cid12345")


def build_truetype(
    source: Path, family: str, target: Path, ranges: Iterable[tuple[int, int]] = CHARACTER_RANGES
) -> None:
    """Write the TrueType conversion of face ``family`` of ``source``, for the code points in ``ranges``.

    The same source font gives the same bytes: head.created/modified stay those of the source.
    """
    font = TTFont(source, fontNumber=find_face(source, family), recalcTimestamp=False)
    codes = {code for lo, hi in ranges for code in range(lo, hi + 1)}
    wanted = _cmap_glyphs(font, codes)
    # Converting first and subsetting the TrueType font is quicker than subsetting CFF, whose
    # subsetter runs every charstring of the 65 000-glyph collection face.
    _cff_to_glyf(font, wanted)
    options = subset.Options()
    options.layout_features = []
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    if not set(font.getGlyphOrder()) <= wanted:
        raise RuntimeError("subset kept glyphs that were not converted")
    font.save(target)


def cached_truetype(source: Path, family: str, cache_dir: Path) -> Path:
    """Path of the converted font in ``cache_dir``, building it on first use (atomic for parallel workers)."""
    size = source.stat().st_size
    name = f"{family.replace(' ', '')}-glyf-v{BUILD_VERSION}-fonttools{fontTools.version}-{size}.ttf"
    target = cache_dir / name
    if not target.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        build_truetype(source, family, tmp)
        os.replace(tmp, target)
    return target


@lru_cache(maxsize=1)
def pdf_font() -> str:
    """Register the embeddable font with reportlab (once per process) and return its name."""
    if not FONT_FILE.exists():
        raise FileNotFoundError(
            f"缺少中文字体 / CJK font missing: {FONT_FILE} (Debian package fonts-noto-cjk)"
        )
    path = cached_truetype(FONT_FILE, FONT_FAMILY, font_cache_dir())
    pdfmetrics.registerFont(ReportlabTTFont(PDF_FONT_NAME, str(path)))
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
