"""Barcode photos with known codes: the split of the real photos, and a synthetic hard set.

The bars are drawn here from the GS1 tables (not by a decoding library's own encoder, so an encoder bug
cannot cancel a decoder bug); then the photo is spoilt one condition at a time, at phone size, as JPEG.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from zhifa.barcodes.gtin import gtin_check_digit

# --- the real photos: a fixed split by file name ---------------------------------------------------------


def photo_half(relative: str) -> str:
    """``tuning`` or ``held_out``: the first byte of SHA-256 of the path under the photo folder
    (e.g. ``ean13-1/7.png``), even → tuning. Fixed, so nobody can move a hard photo across."""
    return "tuning" if hashlib.sha256(relative.encode()).digest()[0] % 2 == 0 else "held_out"


def real_photos(folder: Path, half: str | None = None) -> list[tuple[Path, str]]:
    """(photo, expected code) of ``folder/*/N.png`` with ``N.txt``, optionally one half only."""
    out = []
    for p in sorted(folder.glob("*/*.png")):
        if half is None or photo_half(p.relative_to(folder).as_posix()) == half:
            out.append((p, p.with_suffix(".txt").read_text().strip()))
    return out


# --- drawing EAN-13 / UPC-A ------------------------------------------------------------------------------
_L = (
    "0001101",
    "0011001",
    "0010011",
    "0111101",
    "0100011",
    "0110001",
    "0101111",
    "0111011",
    "0110111",
    "0001011",
)
_G = tuple(p[::-1].translate(str.maketrans("01", "10")) for p in _L)
_R = tuple(p.translate(str.maketrans("01", "10")) for p in _L)
_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")


def ean13_modules(code: str) -> str:
    """The 95 modules (1 = bar) of a 13-digit EAN-13 (a UPC-A is the EAN-13 with a leading 0)."""
    first, left, right = int(code[0]), code[1:7], code[7:]
    out = "101"
    for digit, parity in zip(left, _PARITY[first], strict=True):
        out += (_L if parity == "L" else _G)[int(digit)]
    out += "01010"
    out += "".join(_R[int(d)] for d in right)
    return out + "101"


def catalog_like_codes(rng: np.random.Generator, n: int) -> list[str]:
    """Valid codes shaped like a tobacco catalog: mostly 690… EAN-13, some UPC-A (leading 0)."""
    codes = []
    for i in range(n):
        body = (
            "690" + "".join(map(str, rng.integers(0, 10, 9)))
            if i % 4
            else "0" + "".join(map(str, rng.integers(0, 10, 11)))
        )
        codes.append(body + gtin_check_digit(body))
    return codes


def render_label(code: str, module_px: float, rng: np.random.Generator) -> np.ndarray:
    """A printed label: quiet zones, bars (guard bars longer), on paper-white, ink not quite black."""
    modules = ean13_modules(code)
    quiet_l, quiet_r = 11, 7
    width_modules = quiet_l + len(modules) + quiet_r
    scale = 8  # draw at 8 px a module, then resample to the (fractional) target size
    height = int(width_modules * scale * 0.55)
    paper, ink = int(rng.integers(215, 250)), int(rng.integers(10, 50))
    label = np.full((height, width_modules * scale), paper, np.uint8)
    guards = {0, 1, 2, 45, 46, 47, 48, 49, 92, 93, 94}
    bar_bottom = int(height * 0.85)
    for i, m in enumerate(modules):
        if m == "1":
            x = (quiet_l + i) * scale
            label[
                int(height * 0.05) : bar_bottom + (int(height * 0.07) if i in guards else 0), x : x + scale
            ] = ink
    size = (
        max(1, round(label.shape[1] * module_px / scale)),
        max(1, round(label.shape[0] * module_px / scale)),
    )
    return cv2.resize(label, size, interpolation=cv2.INTER_AREA)


# --- the conditions ----------------------------------------------------------------------------------------
CONDITIONS = ("clean", "perspective", "curvature", "motion_blur", "glare", "low_light")


@dataclass
class SyntheticPhoto:
    name: str
    condition: str
    code: str
    jpeg: bytes
    size: tuple[int, int]


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A package surface: a colour gradient, printed blocks and lines of 'text' (strong edges that are
    not a barcode), sensor noise."""
    small_w, small_h = w // 8, h // 8
    base = np.linspace(rng.integers(60, 200), rng.integers(60, 200), small_w, dtype=np.float32)
    img = np.tile(base, (small_h, 1))
    for _ in range(int(rng.integers(4, 10))):
        x, y = int(rng.integers(0, small_w)), int(rng.integers(0, small_h))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(10, 120)), y + int(rng.integers(5, 60))),
                      float(rng.integers(0, 255)), -1)  # fmt: skip
    for _ in range(int(rng.integers(3, 8))):  # lines of glyph-like dashes
        x, y = int(rng.integers(0, small_w - 60)), int(rng.integers(0, small_h))
        for k in range(int(rng.integers(5, 20))):
            cv2.rectangle(img, (x + 4 * k, y), (x + 4 * k + 2, y + 3), float(rng.integers(0, 80)), -1)
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)


def _curve(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Wrap the label around a cylinder (a pack's rounded edge, a soft pack): bars crowd to one side."""
    h, w = label.shape
    theta = np.radians(rng.uniform(45, 70))
    s = np.linspace(-1, 1, w, dtype=np.float32)
    u = np.arcsin(np.clip(s * np.sin(theta), -1, 1)) / theta  # surface position seen at screen x
    map_x = np.tile(((u + 1) / 2 * (w - 1)).astype(np.float32), (h, 1))
    sag = rng.uniform(0.03, 0.08) * h
    map_y = np.arange(h, dtype=np.float32)[:, None] + (sag * (1 - np.cos(s * theta)))[None, :].astype(
        np.float32
    )
    out = cv2.remap(label, map_x, map_y.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    shade = (0.75 + 0.25 * np.cos(s * theta * 1.2)).astype(np.float32)  # light falls off round the curve
    return np.clip(out * shade[None, :], 0, 255).astype(np.uint8)


def synthetic_photo(code: str, condition: str, rng: np.random.Generator, name: str = "") -> SyntheticPhoto:
    """One phone photo (8–12 MP, JPEG quality 30–60) of ``code`` under ``condition``."""
    w, h = (4000, 3000) if rng.random() < 0.5 else (3264, 2448)
    img: np.ndarray = _background(rng, w, h)
    label_w = rng.uniform(0.18, 0.35) * w
    label = render_label(code, label_w / 113, rng)
    if condition == "curvature":
        label = _curve(label, rng)
    lh, lw = label.shape
    x, y = int(rng.integers(w // 8, w - lw - w // 8)), int(rng.integers(h // 8, h - lh - h // 8))
    img[y : y + lh, x : x + lw] = label
    # every photo is hand-held: a small in-plane tilt
    angle = rng.uniform(-10, 10)
    m = cv2.getRotationMatrix2D((x + lw / 2, y + lh / 2), angle, 1.0)
    img = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    if condition == "perspective":
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        jitter = rng.uniform(0.05, 0.16, (4, 2)) * np.array([w, h], np.float32) * rng.choice([-1, 1], (4, 2))
        img = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, (src + jitter).astype(np.float32)),
                                  (w, h), borderMode=cv2.BORDER_REFLECT)  # fmt: skip
    module = label_w / 113
    if condition == "motion_blur":
        length = max(3, int(module * rng.uniform(1.0, 2.0)))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        direction = rng.uniform(0, 180)
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), direction, 1.0)
        turned = cv2.warpAffine(kernel, rot, (length, length))
        turned = np.asarray(turned, np.float32) / np.float32(max(float(turned.sum()), 1e-6))
        img = np.asarray(cv2.filter2D(img, -1, turned), np.float32)
    if condition == "glare":  # a specular spot on the label, computed in its neighbourhood only
        radius = lw * rng.uniform(0.12, 0.25)
        cx, cy = x + lw * rng.uniform(0.2, 0.8), y + lh * rng.uniform(0.2, 0.8)
        x0, x1 = max(0, int(cx - 3 * radius)), min(w, int(cx + 3 * radius))
        y0, y1 = max(0, int(cy - 3 * radius)), min(h, int(cy + 3 * radius))
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        blob = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius**2)))
        img[y0:y1, x0:x1] += blob * rng.uniform(120, 200)
    if condition == "low_light":
        img = img * rng.uniform(0.12, 0.25) + rng.standard_normal(img.shape, np.float32) * rng.uniform(3, 6)
    else:
        img = img + rng.standard_normal(img.shape, np.float32) * 2.5
    img8 = np.clip(img, 0, 255).astype(np.uint8)
    # a phone saves colour JPEG: tint the grey a little, then compress hard
    rgb = np.stack(
        [img8, np.clip(img8 * 0.97, 0, 255).astype(np.uint8), np.clip(img8 * 0.92, 0, 255).astype(np.uint8)],
        -1,
    )
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, "JPEG", quality=int(rng.integers(30, 61)))
    return SyntheticPhoto(name or f"{condition}-{code}", condition, code, buf.getvalue(), (w, h))


def synthetic_set(
    seed: int, per_condition: int, conditions: tuple[str, ...] = CONDITIONS
) -> Iterator[SyntheticPhoto]:
    """``per_condition`` photos per condition, all from ``seed`` (tune on one seed, report another)."""
    rng = np.random.default_rng(seed)
    codes = catalog_like_codes(rng, per_condition * len(conditions))
    for i, condition in enumerate(conditions):
        for j in range(per_condition):
            code = codes[i * per_condition + j]
            yield synthetic_photo(code, condition, rng, f"{seed}-{condition}-{j}")
