"""Barcode decode ladder vs bare zxing-cpp and bare pyzbar, in one run, on the same bytes.

    uv run python benchmarks/bench_barcodes.py [--per-condition N] [--seed S] [--sets tuning,held_out,…]

Sets: the real photos of ``../shared/barcodes`` split by hash of file name into ``tuning`` and
``held_out`` (generator/barcode_photos.py), each also tilted (a fixed ±8–20° per photo); and a synthetic
hard set (8–12 MP JPEG, quality 30–60) by condition, drawn from ``--seed`` (the ladder was tuned on seed 1;
report another). Per set and decoder: right / wrong / none (+ for the ladder: unconfirmed candidates that
were right), and latency p50/p95 per photo from the JPEG/PNG bytes (image decoding included).
A wrong answer is a code other than the expected one returned as the answer (the ladder: *confirmed*).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image
from pyzbar import pyzbar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.capture.services import barcodes  # noqa: E402
from generator.barcode_photos import CONDITIONS, real_photos, synthetic_set  # noqa: E402
from zhifa.barcodes.gtin import normalise  # noqa: E402
from zhifa.barcodes.variants import rotate  # noqa: E402

PHOTOS = ROOT.parent / "shared" / "barcodes"
_RETAIL = zxingcpp.barcode_formats_from_str("EAN13,UPCA")
_ZB = {"EAN13": "ean13", "UPCA": "upca"}

Answer = tuple[list[str], bool]  # (codes given as the answer, expected among unconfirmed candidates)


def bare_zxing(data: bytes) -> list[str]:
    img = Image.open(io.BytesIO(data)).convert("L")
    found = zxingcpp.read_barcodes(img, formats=_RETAIL)
    return sorted({c for c in (normalise(b.text, "ean13") for b in found) if c})


def bare_pyzbar(data: bytes) -> list[str]:
    img = Image.open(io.BytesIO(data)).convert("L")
    found = pyzbar.decode(img, symbols=[pyzbar.ZBarSymbol.EAN13, pyzbar.ZBarSymbol.UPCA])
    return sorted({c for c in (normalise(s.data.decode(), _ZB[s.type]) for s in found) if c})


def ladder(data: bytes) -> tuple[list[str], list[str]]:
    result = barcodes.decode_bytes(data, budget_ms=BUDGET_MS)
    if result.ambiguous:  # the API names no product: the officer chooses among them
        return [], result.confirmed + [c.code for c in result.candidates]
    return result.confirmed, [c.code for c in result.candidates]


DECODERS: dict[str, Callable[[bytes], object]] = {
    "ladder": ladder,
    "zxing-cpp": bare_zxing,
    "pyzbar": bare_pyzbar,
}
BUDGET_MS = 220.0


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _tilt(path: Path) -> float:
    """A fixed tilt per photo: 8–20°, either way (from the file name, so every run tilts alike)."""
    h = hashlib.sha256(path.name.encode() + path.parent.name.encode()).digest()
    return (8 + h[0] % 13) * (1 if h[1] % 2 else -1)


def real_sets(half: str) -> dict[str, list[tuple[str, bytes, str]]]:
    rows = real_photos(PHOTOS, half)
    upright = [(p.name, p.read_bytes(), code) for p, code in rows]
    tilted = []
    for p, code in rows:
        gray = np.asarray(Image.open(p).convert("L"))
        tilted.append((p.name, _png(Image.fromarray(rotate(gray, _tilt(p)))), code))
    return {half: upright, f"{half} tilted": tilted}


def measure(name: str, photos: list[tuple[str, bytes, str]]) -> list[dict]:
    rows = []
    for decoder, fn in DECODERS.items():
        right = wrong = none = cand = 0
        lat = []
        wrong_names = []
        for label, data, expected in photos:
            start = time.perf_counter()
            out = fn(data)
            lat.append((time.perf_counter() - start) * 1000)
            codes, candidates = out if isinstance(out, tuple) else (out, [])
            if codes == [expected]:
                right += 1
            elif any(c != expected for c in codes):
                wrong += 1
                wrong_names.append(label)
            else:
                none += 1
                cand += expected in candidates
        rows.append(
            {
                "set": name,
                "decoder": decoder,
                "n": len(photos),
                "right": right,
                "wrong": wrong,
                "none": none,
                "candidate": cand,
                "p50": float(np.percentile(lat, 50)),
                "p95": float(np.percentile(lat, 95)),
                "wrong_names": wrong_names,
            }
        )
    return rows


def main() -> None:
    global BUDGET_MS
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-condition", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2, help="synthetic seed (1 is the tuning seed)")
    parser.add_argument("--sets", default="tuning,held_out,synthetic")
    parser.add_argument("--budget-ms", type=float, default=220.0)
    args = parser.parse_args()
    BUDGET_MS = args.budget_ms
    chosen = args.sets.split(",")
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    load = os.getloadavg()[0]
    print(f"{when} UTC · {platform.platform()} · {os.cpu_count()} cores · load {load:.2f}")
    print(f"ladder budget {BUDGET_MS:.0f} ms; synthetic seed {args.seed}, {args.per_condition} per condition")
    sets: dict[str, list[tuple[str, bytes, str]]] = {}
    for half in ("tuning", "held_out"):
        if half in chosen:
            sets |= real_sets(half)
    if "synthetic" in chosen:
        for photo in synthetic_set(args.seed, args.per_condition):
            sets.setdefault(f"synthetic {photo.condition}", []).append((photo.name, photo.jpeg, photo.code))
    head = ("set", "decoder", "n", "right", "wrong", "none", "cand", "p50 ms", "p95 ms")
    print("{:24s} {:10s} {:>4s} {:>6s} {:>6s} {:>5s} {:>5s} {:>7s} {:>7s}".format(*head))
    totals: dict[str, list[int]] = {}
    for name, photos in sets.items():
        for r in measure(name, photos):
            line = "{set:24s} {decoder:10s} {n:4d} {right:6d} {wrong:6d} {none:5d} {candidate:5d} "
            line += "{p50:7.1f} {p95:7.1f}"
            note = f"  wrong: {','.join(r['wrong_names'])}" if r["wrong_names"] else ""
            print(line.format(**r) + note)
            if name.startswith("synthetic"):
                t = totals.setdefault(r["decoder"], [0, 0, 0])
                t[0] += r["n"]
                t[1] += r["right"]
                t[2] += r["wrong"]
        sys.stdout.flush()
    for decoder, (n, right, wrong) in totals.items():
        print(f"synthetic total {decoder:10s}: {right}/{n} right ({right / n:.0%}), {wrong} wrong")
    print(f"conditions: {', '.join(CONDITIONS)}; load at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
