"""Offline Chinese OCR (RapidOCR, PP-OCRv4 models shipped in the wheel) and reading order.

The engine loads once per process, on first use. Its text boxes are put back into lines: the page's skew
is measured from the boxes themselves, box centres are rotated upright, boxes at the same height form one
line (a table row reads as its cells left to right, separated by spaces).
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from statistics import median
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

# Stacked multi-page scans are tall; RapidOCR's default (2000 px) would shrink their text below legibility.
MAX_SIDE_PX = 12_000
# Lower box threshold and wider crops than RapidOCR's defaults (0.5, 1.6): a lone digit in a table cell
# (a goods line number, a quantity of 1) is otherwise dropped or misread (9 → 6) on 120-dpi scans.
DET_BOX_THRESH = 0.3
DET_UNCLIP_RATIO = 2.0
# The 180° direction classifier judges each crop alone and turns lone digits upside down (9 → 6, 7 → 1);
# document pages are upright, so it stays off.
USE_DIRECTION_CLASSIFIER = False
MIN_LINES_UPRIGHT = 3  # fewer lines read: try the page turned round
MIN_CHARS_UPRIGHT = 40  # or fewer characters (an upside-down sheet can still give a few lines of junk)
# Detection costs in proportion to pixels: a page wider than A4 at 150 dpi is scaled down to that (11-point
# text stays ~23 px high, more than the 120-dpi scans OCR reads without loss), then cut to where the ink is.
MAX_WIDTH_PX = 1240
TEXT_MARGIN_PX = 16
INK_LEVEL = 0.6  # darker than this share of the paper's grey is ink
# Recognition (≈ 85 % of a page's time) runs as one single-threaded model per core, each reading its share
# of the crops one at a time: a crop is never padded to a wider neighbour's width (RapidOCR pads a batch of
# 6 to its widest crop, which costs CPU and changes what is read), and one thread per model wastes nothing
# on synchronising small tensors across cores.
REC_WORKERS = max(1, min(os.cpu_count() or 1, 4))
_engine: Any = None
_lock = threading.Lock()


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float  # lowest recognition score of its boxes, 0..1 (a row is as sure as its weakest cell)
    # x, y, w, h of the row's boxes as fractions of the image given (top-left origin); None if unknown
    box: tuple[float, float, float, float] | None = None


def engine() -> Any:
    """The process-wide RapidOCR engine (lazy: importing this module loads no model)."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                from rapidocr_onnxruntime import RapidOCR

                loaded = RapidOCR(
                    max_side_len=MAX_SIDE_PX,
                    det_box_thresh=DET_BOX_THRESH,
                    det_unclip_ratio=DET_UNCLIP_RATIO,
                    use_cls=USE_DIRECTION_CLASSIFIER,
                )
                loaded.text_rec = _SplitRecogniser(REC_WORKERS)
                _engine = loaded
    return _engine


class _SplitRecogniser:
    """RapidOCR's recogniser, called the same way (crops → [(text, score)], seconds), with the crops
    shared between ``workers`` single-threaded copies of the model, the widest first to the least loaded."""

    def __init__(self, workers: int) -> None:
        from pathlib import Path

        import rapidocr_onnxruntime
        from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer

        model = Path(rapidocr_onnxruntime.__file__).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx"
        config = {
            "model_path": str(model),
            "intra_op_num_threads": 1,
            "inter_op_num_threads": 1,
            "use_cuda": False,
            "use_dml": False,
            "rec_img_shape": [3, 48, 320],
            "rec_batch_num": 1,
        }
        self._models = [TextRecognizer(config) for _ in range(workers)]
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="ocr-rec")

    def __call__(self, crops: list[np.ndarray], return_word_box: bool = False) -> tuple[list[Any], float]:
        shares: list[list[int]] = [[] for _ in self._models]
        load = [0.0] * len(self._models)
        for k in sorted(range(len(crops)), key=lambda k: -crops[k].shape[1] / max(crops[k].shape[0], 1)):
            least = load.index(min(load))
            shares[least].append(k)
            load[least] += crops[k].shape[1] / max(crops[k].shape[0], 1) + 1.0
        jobs = [
            self._pool.submit(model, [crops[k] for k in share], return_word_box)
            for model, share in zip(self._models, shares, strict=True)
            if share
        ]
        out: list[Any] = [("", 0.0)] * len(crops)
        elapsed = 0.0
        for job, share in zip(jobs, [s for s in shares if s], strict=True):
            read, seconds = job.result()
            elapsed = max(elapsed, seconds)
            for k, result in zip(share, read, strict=True):
                out[k] = result
        return out, elapsed


def ocr_image(image: Image.Image) -> list[OcrLine]:
    """Lines of text on ``image`` in reading order (top to bottom, left to right), each with its box."""
    scaled = _limit_width(image.convert("RGB"))
    left, top, right, bottom = _ink_box(scaled)
    region = (
        scaled.crop((left, top, right, bottom)) if (right - left, bottom - top) != scaled.size else scaled
    )
    pixels = np.asarray(region)[:, :, ::-1]  # RapidOCR expects OpenCV's BGR order
    ocr = engine()
    with _lock:  # one page at a time: the model already uses every core
        result, _ = ocr(np.ascontiguousarray(pixels))
    if not result:
        return []
    shift = np.array([left, top], dtype=float)  # back to the whole (scaled) page
    boxes = [(np.asarray(box, dtype=float) + shift, str(text), float(score)) for box, text, score in result]
    width, height = scaled.size
    return [
        OcrLine(line.text, line.score, _fraction(line.box, width, height) if line.box else None)
        for line in _lines(boxes)
    ]


def _fraction(
    box: tuple[float, float, float, float], width: int, height: int
) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return (x / width, y / height, w / width, h / height)


def _limit_width(image: Image.Image) -> Image.Image:
    if image.width <= MAX_WIDTH_PX:
        return image
    height = round(image.height * MAX_WIDTH_PX / image.width)
    return image.resize((MAX_WIDTH_PX, height), Image.Resampling.LANCZOS)


def _text_region(image: Image.Image) -> Image.Image:
    """The page cut to the ink and a margin: the blank margins of a flat scan are not searched for text.
    A photo's dark surroundings count as ink, so a photo is left whole."""
    return image.crop(_ink_box(image))


def _ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    """left, top, right, bottom of the ink plus a margin (the whole image when there is no ink)."""
    grey = np.asarray(image.convert("L"))
    ink = grey < INK_LEVEL * float(np.median(grey))
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return (0, 0, image.width, image.height)
    m = TEXT_MARGIN_PX
    left, top = max(0, int(cols[0]) - m), max(0, int(rows[0]) - m)
    right, bottom = min(image.width, int(cols[-1]) + m + 1), min(image.height, int(rows[-1]) + m + 1)
    return (left, top, right, bottom)


def warm_up() -> None:
    """Load the models and run them once, so that the first page read is not the slow one."""
    sample = Image.new("RGB", (480, 96), "white")
    ImageDraw.Draw(sample).text((16, 32), "warm up 2024", fill="black", font_size=32)
    ocr_image(sample)


def ocr_page(image: Image.Image) -> list[OcrLine]:
    """:func:`ocr_image`, turning the page round when it reads as (almost) nothing: a sheet scanned
    upside down. The recogniser drops what it reads upside down, so the right way up gives more text."""
    lines = ocr_image(image)
    if len(lines) >= MIN_LINES_UPRIGHT and sum(len(x.text) for x in lines) >= MIN_CHARS_UPRIGHT:
        return lines
    turned = [_turned_back(line) for line in ocr_image(image.rotate(180, expand=True))]
    return turned if sum(len(x.text) for x in turned) > sum(len(x.text) for x in lines) else lines


def _turned_back(line: OcrLine) -> OcrLine:
    """A line read off the page turned round, its box put back on the page as given."""
    if line.box is None:
        return line
    x, y, w, h = line.box
    return OcrLine(line.text, line.score, (1.0 - x - w, 1.0 - y - h, w, h))


def _skew(boxes: list[tuple[np.ndarray, str, float]]) -> float:
    """Median angle (radians) of the top edges of wide boxes: the page's rotation."""
    angles = []
    for pts, _, _ in boxes:
        dx, dy = pts[1] - pts[0]
        height = float(np.linalg.norm(pts[3] - pts[0]))
        if dx > 3 * height > 0:
            angles.append(math.atan2(dy, dx))
    return median(angles) if angles else 0.0


def _lines(boxes: list[tuple[np.ndarray, str, float]]) -> list[OcrLine]:
    """Rows of boxes as lines, each with the pixel box (x, y, w, h) around its boxes' corners."""
    theta = _skew(boxes)
    cos, sin = math.cos(theta), math.sin(theta)
    placed = []
    for pts, text, score in boxes:
        cx, cy = pts.mean(axis=0)
        height = float(np.linalg.norm(pts[3] - pts[0]))
        left = float(min(pts[0][0] * cos + pts[0][1] * sin, pts[3][0] * cos + pts[3][1] * sin))
        right = float(max(pts[1][0] * cos + pts[1][1] * sin, pts[2][0] * cos + pts[2][1] * sin))
        placed.append((-cx * sin + cy * cos, left, right, height, text, score, pts))
    placed.sort(key=lambda p: p[0])
    tolerance = 0.5 * median(p[3] for p in placed)
    rows: list[list[tuple[float, float, float, float, str, float, np.ndarray]]] = []
    for box in placed:
        if rows and abs(box[0] - median(b[0] for b in rows[-1])) <= tolerance:
            rows[-1].append(box)
        else:
            rows.append([box])
    lines = []
    for row in rows:
        row.sort(key=lambda p: p[1])
        text = row[0][4]
        for prev, box in itertools.pairwise(row):
            # a gap wider than a character is a column break; a narrower one splits a phrase
            text += (" " if box[1] - prev[2] > 0.8 * box[3] else "") + box[4]
        corners = np.vstack([b[6] for b in row])
        (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
        lines.append(
            OcrLine(text, min(b[5] for b in row), (float(x0), float(y0), float(x1 - x0), float(y1 - y0)))
        )
    return lines
