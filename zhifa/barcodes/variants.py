"""Pre-processing variants of a grey photo (``uint8`` arrays), each a pure function of its input."""

from __future__ import annotations

import cv2
import numpy as np


def shrink_to(img: np.ndarray, longest: int) -> np.ndarray:
    """The photo with its longest side at most ``longest`` pixels (area averaging keeps thin bars)."""
    side = max(img.shape[:2])
    return img if side <= longest else scale(img, longest / side)


def scale(img: np.ndarray, factor: float) -> np.ndarray:
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=interp)


def clahe(img: np.ndarray) -> np.ndarray:
    """Local contrast: glare and shadow across one barcode stop hiding half of its bars."""
    return cv2.createCLAHE(clipLimit=2.5, tileGridSize=(8, 8)).apply(img)


def unsharp(img: np.ndarray) -> np.ndarray:
    """Sharpen soft edges (slight defocus or motion) before the engines binarise."""
    sigma = max(1.0, max(img.shape[:2]) / 800)
    blurred = cv2.GaussianBlur(img, (0, 0), sigma)
    return cv2.addWeighted(img, 1.8, blurred, -0.8, 0)


def threshold(img: np.ndarray) -> np.ndarray:
    """Adaptive (local mean) threshold: evens out uneven light the engines' binarisers miss."""
    block = max(15, (max(img.shape[:2]) // 40) | 1)
    smooth = cv2.GaussianBlur(img, (3, 3), 0)
    return cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 7)


def equalise(img: np.ndarray) -> np.ndarray:
    """Stretch a dark or washed-out photo to the full grey range."""
    return cv2.equalizeHist(img)


def rotate(img: np.ndarray, angle: float) -> np.ndarray:
    """Turn by ``angle`` degrees (counter-clockwise), growing the canvas; new corners get the median grey
    (white corners upset a global binariser)."""
    if angle % 90 == 0:
        return np.ascontiguousarray(np.rot90(img, int(angle // 90) % 4))
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    fill = int(np.median(img[:: max(1, h // 64), :: max(1, w // 64)]))
    return cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=fill)


def barcode_regions(img: np.ndarray, limit: int = 3) -> list[tuple[tuple[int, int, int, int], float]]:
    """Boxes ``(x, y, w, h)`` (in ``img`` pixels) and skew angles of the likeliest barcode regions.

    A 1-D barcode is where the gradient is strong across one direction and weak along the other; the
    difference, smoothed and closed along the bars' normal, leaves a blob per barcode. Both bar directions
    are tried (a barcode may stand upright in the photo).
    """
    small = shrink_to(img, 640)
    factor = img.shape[1] / small.shape[1]
    gx = cv2.Scharr(small, cv2.CV_32F, 1, 0)
    gy = cv2.Scharr(small, cv2.CV_32F, 0, 1)
    found: list[tuple[float, tuple[int, int, int, int], float]] = []
    for grad in (np.abs(gx) - np.abs(gy), np.abs(gy) - np.abs(gx)):
        grad = cv2.convertScaleAbs(np.clip(grad, 0, None))
        blurred = cv2.blur(grad, (9, 9))
        _, mask = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (21, 7))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        small_box = np.ones((3, 3), np.uint8)
        mask = cv2.dilate(cv2.erode(mask, small_box, iterations=3), small_box, iterations=3)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            area = cv2.contourArea(c)
            if area < small.size * 0.004:
                continue
            (_, _), (rw, rh), angle = cv2.minAreaRect(c)
            if rw < rh:  # normalise to the long side's angle in (-45, 45]
                angle -= 90
            angle = (angle + 45) % 90 - 45
            x, y, w, h = cv2.boundingRect(c)
            found.append((area, (x, y, w, h), float(angle)))
    found.sort(key=lambda f: -f[0])
    out: list[tuple[tuple[int, int, int, int], float]] = []
    for _, (x, y, w, h), angle in found[:limit]:
        mx, my = int(w * 0.2) + 8, int(h * 0.2) + 8  # a margin: the quiet zone and the guard bars
        box = (max(0, x - mx), max(0, y - my), w + 2 * mx, h + 2 * my)
        bx, by, bw, bh = (int(v * factor) for v in box)
        out.append(((bx, by, bw, bh), angle))
    return out


def crop(img: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x, y, w, h = box
    return np.ascontiguousarray(img[y : y + h, x : x + w])
