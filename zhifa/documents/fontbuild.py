"""Build a TrueType (``glyf``) copy of Noto Sans CJK SC that reportlab can embed.

fonts-noto-cjk ships CFF outlines and reportlab embeds only TrueType outlines, so the Simplified
Chinese face is converted once — cubic curves approximated by quadratic ones within 1/1000 em — for
the characters official documents use (Latin, punctuation, CJK symbols, the full CJK Unified
Ideographs block, full-width forms) and written to a cache file. The result is deterministic: the
same source font gives the same bytes. Noto CJK is under the SIL Open Font License 1.1 (no reserved
font name), which allows modified copies and embedding; the full copy stays in ``ZHIFA_HOME``, PDFs
embed subsets of it.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Iterable
from pathlib import Path

from zhifa.documents.cff import CffFont, Contour, face_names, read_cmap, read_face_tables

BUILD_VERSION = 1  # bump when the conversion changes, so stale cache files are not reused
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


def find_face(path: Path, family: str) -> int:
    """Index of the face named ``family`` (e.g. "Noto Sans CJK SC") in a font collection."""
    data = path.read_bytes()
    count = struct.unpack(">I", data[8:12])[0] if data[:4] == b"ttcf" else 1
    for index in range(count):
        if face_names(read_face_tables(data, index)).get(1) == family:
            return index
    raise LookupError(f"no face {family!r} in {path}")


def _quadratic_points(contour: Contour) -> list[tuple[int, int, bool]]:
    """A closed contour as TrueType points (x, y, on-curve), clockwise as TrueType expects."""
    points: list[tuple[float, float, bool]] = [(*contour[0][0], True)]
    current = contour[0][0]
    for segment in contour[1:]:
        if len(segment) == 1:
            points.append((*segment[0], True))
        else:
            points.extend(_cubic_to_quadratics(current, *segment))
        current = segment[-1]
    rounded = [(round(x), round(y), on) for x, y, on in points]
    if len(rounded) > 1 and rounded[-1] == rounded[0]:
        rounded.pop()
    rounded.reverse()  # CFF outer contours run counter-clockwise, TrueType ones clockwise
    return rounded


def _cubic_to_quadratics(
    p0: tuple[float, float], c1: tuple[float, float], c2: tuple[float, float], p3: tuple[float, float]
) -> list[tuple[float, float, bool]]:
    # The error of the one-quadratic approximation is sqrt(3)/36 · |third difference|, which falls
    # with the cube of the number of equal pieces.
    third = math.hypot(p3[0] - 3 * c2[0] + 3 * c1[0] - p0[0], p3[1] - 3 * c2[1] + 3 * c1[1] - p0[1])
    pieces = max(1, min(8, math.ceil((math.sqrt(3) / 36 * third / TOLERANCE) ** (1 / 3))))
    out: list[tuple[float, float, bool]] = []
    q = (p0, c1, c2, p3)
    for k in range(pieces, 0, -1):
        first, q = _split(q, 1 / k) if k > 1 else (q, q)
        a, b, c, d = first
        control = ((3 * (b[0] + c[0]) - a[0] - d[0]) / 4, (3 * (b[1] + c[1]) - a[1] - d[1]) / 4)
        out.append((*control, False))
        out.append((*d, True))
    return out


Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


def _split(q: Quad, t: float) -> tuple[Quad, Quad]:
    def lerp(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
        return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)

    p0, p1, p2, p3 = q
    a, b, c = lerp(p0, p1), lerp(p1, p2), lerp(p2, p3)
    d, e = lerp(a, b), lerp(b, c)
    f = lerp(d, e)
    return (p0, a, d, f), (f, e, c, p3)


def _encode_glyph(contours: list[list[tuple[int, int, bool]]]) -> tuple[bytes, int, int]:
    """``glyf`` bytes of a simple glyph, its point count and its x minimum."""
    if not contours:
        return b"", 0, 0
    xs = [p[0] for c in contours for p in c]
    ys = [p[1] for c in contours for p in c]
    ends, total = [], 0
    for c in contours:
        total += len(c)
        ends.append(total - 1)
    flags, xbytes, ybytes = bytearray(), bytearray(), bytearray()
    px = py = 0
    for x, y, on in (p for c in contours for p in c):
        flag = 1 if on else 0
        for delta, short_bit, same_bit, out in ((x - px, 0x02, 0x10, xbytes), (y - py, 0x04, 0x20, ybytes)):
            if delta == 0:
                flag |= same_bit
            elif -256 < delta < 256:
                flag |= short_bit | (same_bit if delta > 0 else 0)
                out.append(abs(delta))
            else:
                out += struct.pack(">h", delta)
        flags.append(flag)
        px, py = x, y
    header = struct.pack(">hhhhh", len(contours), min(xs), min(ys), max(xs), max(ys))
    body = header + struct.pack(f">{len(ends)}H", *ends) + b"\x00\x00" + flags + xbytes + ybytes
    return body + b"\x00" * (-len(body) % 4), total, min(xs)


def _cmap_format4(codes: list[int]) -> bytes:
    """A (3,1) format-4 cmap mapping ``codes[i]`` (ascending, BMP) to glyph ``i + 1``."""
    segments: list[tuple[int, int, int]] = []  # start, end, first glyph
    for gid, code in enumerate(codes, start=1):
        if segments and segments[-1][1] == code - 1:
            start, _, first = segments[-1]
            segments[-1] = (start, code, first)
        else:
            segments.append((code, code, gid))
    segments.append((0xFFFF, 0xFFFF, 0))
    n = len(segments)
    search = 2 ** int(math.log2(n)) * 2
    sub = struct.pack(">HHHH", n * 2, search, int(math.log2(search // 2)), n * 2 - search)
    sub += struct.pack(f">{n}H", *(end for _, end, _ in segments)) + b"\x00\x00"
    sub += struct.pack(f">{n}H", *(start for start, _, _ in segments))
    sub += struct.pack(
        f">{n}H", *(((first - start) if first else 1) & 0xFFFF for start, _, first in segments)
    )
    sub += b"\x00\x00" * n
    table = struct.pack(">HHH", 4, 14 + len(sub), 0) + sub
    return struct.pack(">HHHHI", 0, 1, 3, 1, 12) + table


def _checksum(data: bytes) -> int:
    padded = data + b"\x00" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _sfnt(tables: dict[str, bytes]) -> bytes:
    tags = sorted(tables)
    n = len(tags)
    search = 2 ** int(math.log2(n))
    out = bytearray(
        struct.pack(">IHHHH", 0x00010000, n, search * 16, int(math.log2(search)), (n - search) * 16)
    )
    offset = 12 + 16 * n
    body = bytearray()
    for tag in tags:
        data = tables[tag]
        out += struct.pack(">4sIII", tag.encode("latin-1"), _checksum(data), offset + len(body), len(data))
        body += data + b"\x00" * (-len(data) % 4)
    font = bytearray(out + body)
    head_at = offset + sum(len(tables[t]) + (-len(tables[t]) % 4) for t in tags[: tags.index("head")])
    font[head_at + 8 : head_at + 12] = struct.pack(">I", (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)


def build_truetype(source: Path, family: str, ranges: Iterable[tuple[int, int]] = CHARACTER_RANGES) -> bytes:
    """The TrueType conversion of face ``family`` of ``source`` for the code points in ``ranges``."""
    data = source.read_bytes()
    src = read_face_tables(data, find_face(source, family))
    cff = CffFont.parse(src["CFF "])
    unicode_to_gid = read_cmap(src["cmap"])
    wanted = {code for lo, hi in ranges for code in range(lo, hi + 1)}
    codes = sorted(code for code in unicode_to_gid if code in wanted)
    n_hmetrics = struct.unpack(">H", src["hhea"][34:36])[0]

    def advance(gid: int) -> int:
        at = 4 * min(gid, n_hmetrics - 1)
        return int(struct.unpack(">H", src["hmtx"][at : at + 2])[0])

    glyf, loca, hmtx = bytearray(), [0], bytearray()
    max_points = max_contours = 0
    for gid in [0] + [unicode_to_gid[c] for c in codes]:
        contours = [_quadratic_points(c) for c in cff.contours(gid)]
        encoded, points, xmin = _encode_glyph(contours)
        glyf += encoded
        loca.append(len(glyf))
        hmtx += struct.pack(">Hh", advance(gid), xmin)
        max_points, max_contours = max(max_points, points), max(max_contours, len(contours))
    num_glyphs = len(codes) + 1

    head = bytearray(src["head"][:54])
    head[8:12] = b"\x00\x00\x00\x00"
    head[50:52] = struct.pack(">h", 1)  # long loca offsets
    hhea = bytearray(src["hhea"][:36])
    hhea[34:36] = struct.pack(">H", num_glyphs)
    maxp = struct.pack(
        ">IHHHHHHHHHHHHHH", 0x00010000, num_glyphs, max_points, max_contours, 0, 0, 2, *[0] * 8
    )
    post = bytearray(src["post"][:32])
    post[0:4] = struct.pack(">I", 0x00030000)
    tables = {
        "OS/2": src["OS/2"],
        "cmap": _cmap_format4(codes),
        "glyf": bytes(glyf),
        "head": bytes(head),
        "hhea": bytes(hhea),
        "hmtx": bytes(hmtx),
        "loca": struct.pack(f">{len(loca)}I", *loca),
        "maxp": maxp,
        "name": src["name"],
        "post": bytes(post),
    }
    return _sfnt(tables)


def cached_truetype(source: Path, family: str, cache_dir: Path) -> Path:
    """Path of the converted font in ``cache_dir``, building it on first use (atomic for parallel workers)."""
    stat = source.stat()
    name = f"{family.replace(' ', '')}-glyf-v{BUILD_VERSION}-{stat.st_size}.ttf"
    target = cache_dir / name
    if not target.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(build_truetype(source, family))
        os.replace(tmp, target)
    return target
