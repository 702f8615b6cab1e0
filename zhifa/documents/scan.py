"""A document as a phone photo or scan of the printed sheet: grey paper, uneven light, a slight
rotation, blur and sensor noise — still readable by OCR. All randomness comes from ``seed``.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from zhifa.documents.fonts import image_font
from zhifa.documents.layout import PAGE_HEIGHT, PAGE_WIDTH, Text, layout
from zhifa.documents.model import DocumentContent

DPI = 120  # 11-point text is ~18 px high: enough for OCR, small enough to render thousands
MAX_ROTATION_DEG = 2.0
GREY_STEP = 4
PAGE_GAP_PX = 24  # pages of a long document are stacked top to bottom in one image
_ANCHORS = {"left": "ls", "centre": "ms", "right": "rs"}


def _draw_pages(doc: DocumentContent, paper: int, ink: int, dpi: int = DPI) -> Image.Image:
    scale = dpi / 72
    width, height = round(PAGE_WIDTH * scale), round(PAGE_HEIGHT * scale)
    pages = layout(doc)
    image = Image.new("L", (width, len(pages) * (height + PAGE_GAP_PX) - PAGE_GAP_PX), paper // 2)
    draw = ImageDraw.Draw(image)
    for n, page in enumerate(pages):
        top = n * (height + PAGE_GAP_PX)
        draw.rectangle((0, top, width - 1, top + height - 1), fill=paper)
        for item in page:
            if isinstance(item, Text):
                font = image_font(round(item.size * scale))
                xy = (item.x * scale, top + item.y * scale)
                draw.text(xy, item.text, font=font, fill=ink, anchor=_ANCHORS[item.anchor])
            else:
                line = (item.x1 * scale, top + item.y1 * scale, item.x2 * scale, top + item.y2 * scale)
                draw.line(line, fill=ink, width=1)
    return image


def render_scan_png(doc: DocumentContent, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    paper = int(rng.integers(205, 235))
    ink = int(rng.integers(20, 60))
    image = _draw_pages(doc, paper, ink)

    angle = float(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG))
    image = image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=int(rng.integers(60, 110)))
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.4, 0.9))))

    # Light falling off across the sheet, then sensor noise.
    h, w = image.height, image.width
    direction = rng.uniform(-1.0, 1.0, size=2).astype(np.float32)
    ys = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None]
    xs = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :]
    light = 1.0 - float(rng.uniform(0.05, 0.15)) * (direction[0] * xs + direction[1] * ys + 0.5)
    pixels = np.asarray(image, dtype=np.float32) * light
    pixels += rng.standard_normal((h, w), dtype=np.float32) * float(rng.uniform(2.0, 4.0))
    # Coarser grey levels keep the noisy image compressible (≈0.5 MB a page instead of ≈1 MB).
    pixels = np.round(pixels * (1 / GREY_STEP)) * GREY_STEP
    out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))

    buf = io.BytesIO()
    out.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def render_clean_scan_png(doc: DocumentContent, dpi: int = 200) -> bytes:
    """The printed sheet scanned flat at ``dpi``: white paper, black ink, no rotation, blur or noise (the
    OCR benchmark's clean page)."""
    buf = io.BytesIO()
    _draw_pages(doc, 255, 0, dpi).save(buf, format="PNG")
    return buf.getvalue()
