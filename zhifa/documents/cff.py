"""Minimal reader for OpenType collections with CFF outlines (the Noto CJK ``.ttc`` files).

reportlab embeds only TrueType (``glyf``) outlines, and fonts-noto-cjk ships CFF outlines; this module
reads what :mod:`zhifa.documents.fontbuild` needs to convert the glyphs: the sfnt tables of one
face of the collection and the outline of a glyph as cubic contours (Type 2 charstrings, CFF spec
Adobe TN #5176/#5177).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

Point = tuple[float, float]
# One contour: a start point and segments; a segment is (point,) for a line or (c1, c2, end) for a curve.
Contour = list[tuple[Point, ...]]


def read_face_tables(data: bytes, face_index: int) -> dict[str, bytes]:
    """Tables of face ``face_index`` of a ``ttcf`` collection (or of a plain sfnt when not a collection)."""
    offset = 0
    if data[:4] == b"ttcf":
        (count,) = struct.unpack(">I", data[8:12])
        if not 0 <= face_index < count:
            raise ValueError(f"font collection has {count} faces, no face {face_index}")
        (offset,) = struct.unpack(">I", data[12 + 4 * face_index : 16 + 4 * face_index])
    (num_tables,) = struct.unpack(">H", data[offset + 4 : offset + 6])
    tables: dict[str, bytes] = {}
    for k in range(num_tables):
        rec = offset + 12 + 16 * k
        tag, _checksum, start, length = struct.unpack(">4sIII", data[rec : rec + 16])
        tables[tag.decode("latin-1")] = data[start : start + length]
    return tables


def face_names(tables: dict[str, bytes]) -> dict[int, str]:
    """Windows/English name records of a face (name id → text)."""
    name = tables["name"]
    _fmt, count, string_offset = struct.unpack(">HHH", name[:6])
    names: dict[int, str] = {}
    for k in range(count):
        pid, _eid, lang, nid, length, off = struct.unpack(">6H", name[6 + 12 * k : 18 + 12 * k])
        if pid == 3 and lang == 0x409:
            start = string_offset + off
            names[nid] = name[start : start + length].decode("utf-16-be")
    return names


def read_cmap(cmap: bytes) -> dict[int, int]:
    """Unicode → glyph id from the format-12 (or, failing that, format-4) Windows subtable."""
    (num,) = struct.unpack(">H", cmap[2:4])
    subtables = {}
    for k in range(num):
        pid, eid, off = struct.unpack(">HHI", cmap[4 + 8 * k : 12 + 8 * k])
        subtables[(pid, eid)] = off
    result: dict[int, int] = {}
    if (3, 10) in subtables:
        off = subtables[(3, 10)]
        (groups,) = struct.unpack(">I", cmap[off + 12 : off + 16])
        for g in range(groups):
            start, end, gid = struct.unpack(">III", cmap[off + 16 + 12 * g : off + 28 + 12 * g])
            for code in range(start, end + 1):
                result[code] = gid + code - start
        return result
    off = subtables[(3, 1)]
    seg2 = struct.unpack(">H", cmap[off + 6 : off + 8])[0]
    ends = struct.unpack(f">{seg2 // 2}H", cmap[off + 14 : off + 14 + seg2])
    base = off + 16 + seg2
    starts = struct.unpack(f">{seg2 // 2}H", cmap[base : base + seg2])
    deltas = struct.unpack(f">{seg2 // 2}h", cmap[base + seg2 : base + 2 * seg2])
    ro_base = base + 2 * seg2
    range_offsets = struct.unpack(f">{seg2 // 2}H", cmap[ro_base : ro_base + seg2])
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        for code in range(start, end + 1):
            if code == 0xFFFF:
                continue
            if range_offsets[i] == 0:
                gid = (code + deltas[i]) & 0xFFFF
            else:
                at = ro_base + 2 * i + range_offsets[i] + 2 * (code - start)
                gid = struct.unpack(">H", cmap[at : at + 2])[0]
                gid = (gid + deltas[i]) & 0xFFFF if gid else 0
            if gid:
                result[code] = gid
    return result


def _read_index(data: bytes, pos: int) -> tuple[list[bytes], int]:
    """A CFF INDEX at ``pos``: its items and the position after it."""
    (count,) = struct.unpack(">H", data[pos : pos + 2])
    if count == 0:
        return [], pos + 2
    off_size = data[pos + 2]
    offsets = []
    at = pos + 3
    for _ in range(count + 1):
        offsets.append(int.from_bytes(data[at : at + off_size], "big"))
        at += off_size
    base = at - 1
    items = [data[base + offsets[i] : base + offsets[i + 1]] for i in range(count)]
    return items, base + offsets[-1]


def _read_dict(data: bytes) -> dict[int, list[float]]:
    """A CFF DICT: operator (two-byte ones as 1200 + b1) → operands."""
    result: dict[int, list[float]] = {}
    operands: list[float] = []
    i = 0
    while i < len(data):
        b0 = data[i]
        if b0 <= 21:
            op = 1200 + data[i + 1] if b0 == 12 else b0
            i += 2 if b0 == 12 else 1
            result[op] = operands
            operands = []
        elif b0 == 28:
            operands.append(struct.unpack(">h", data[i + 1 : i + 3])[0])
            i += 3
        elif b0 == 29:
            operands.append(struct.unpack(">i", data[i + 1 : i + 5])[0])
            i += 5
        elif b0 == 30:  # real number: nibbles, only skipped (no outline data is stored as reals)
            i += 1
            while (data[i] & 0x0F) != 0x0F and (data[i] >> 4) != 0x0F:
                i += 1
            i += 1
            operands.append(0.0)
        elif b0 <= 246:
            operands.append(b0 - 139)
            i += 1
        elif b0 <= 250:
            operands.append((b0 - 247) * 256 + data[i + 1] + 108)
            i += 2
        else:
            operands.append(-(b0 - 251) * 256 - data[i + 1] - 108)
            i += 2
    return result


def _bias(subrs: list[bytes]) -> int:
    return 107 if len(subrs) < 1240 else 1131 if len(subrs) < 33900 else 32768


@dataclass
class CffFont:
    """The charstrings of a (possibly CID-keyed) CFF font and the subroutines each glyph uses."""

    charstrings: list[bytes]
    global_subrs: list[bytes]
    local_subrs: list[list[bytes]]  # per font dict
    fd_of_glyph: list[int]

    @classmethod
    def parse(cls, data: bytes) -> CffFont:
        header_size = data[2]
        _names, pos = _read_index(data, header_size)
        top_dicts, pos = _read_index(data, pos)
        _strings, pos = _read_index(data, pos)
        global_subrs, _ = _read_index(data, pos)
        top = _read_dict(top_dicts[0])
        charstrings, _ = _read_index(data, int(top[17][0]))
        n = len(charstrings)
        if 1236 in top:  # CID-keyed: FDArray (12 36) and FDSelect (12 37)
            fd_dicts, _ = _read_index(data, int(top[1236][0]))
            privates = [_read_dict(fd).get(18) for fd in fd_dicts]
            fd_of_glyph = _read_fd_select(data, int(top[1237][0]), n)
        else:
            privates = [top.get(18)]
            fd_of_glyph = [0] * n
        local_subrs: list[list[bytes]] = []
        for private in privates:
            subrs: list[bytes] = []
            if private:
                size, offset = int(private[0]), int(private[1])
                pdict = _read_dict(data[offset : offset + size])
                if 19 in pdict:
                    subrs, _ = _read_index(data, offset + int(pdict[19][0]))
            local_subrs.append(subrs)
        return cls(charstrings, global_subrs, local_subrs, fd_of_glyph)

    def contours(self, gid: int) -> list[Contour]:
        """The outline of glyph ``gid`` as closed contours of lines and cubic curves."""
        return _Interpreter(self.global_subrs, self.local_subrs[self.fd_of_glyph[gid]]).run(
            self.charstrings[gid]
        )


def _read_fd_select(data: bytes, pos: int, n: int) -> list[int]:
    fmt = data[pos]
    if fmt == 0:
        return list(data[pos + 1 : pos + 1 + n])
    (n_ranges,) = struct.unpack(">H", data[pos + 1 : pos + 3])
    result = [0] * n
    for r in range(n_ranges):
        first, fd = struct.unpack(">HB", data[pos + 3 + 3 * r : pos + 6 + 3 * r])
        (nxt,) = struct.unpack(">H", data[pos + 6 + 3 * r : pos + 8 + 3 * r])
        result[first:nxt] = [fd] * (nxt - first)
    return result


class _Interpreter:
    """Type 2 charstring interpreter producing contours; hints are counted and ignored."""

    def __init__(self, gsubrs: list[bytes], lsubrs: list[bytes]) -> None:
        self.gsubrs, self.lsubrs = gsubrs, lsubrs
        self.gbias, self.lbias = _bias(gsubrs), _bias(lsubrs)
        self.stack: list[float] = []
        self.x = self.y = 0.0
        self.contours: list[Contour] = []
        self.stems = 0
        self.width_seen = False
        self.done = False

    def run(self, code: bytes) -> list[Contour]:
        self._execute(code)
        return [c for c in self.contours if len(c) > 1]

    # -- path building
    def _move(self, dx: float, dy: float) -> None:
        self.x += dx
        self.y += dy
        self.contours.append([((self.x, self.y),)])

    def _line(self, dx: float, dy: float) -> None:
        self.x += dx
        self.y += dy
        self.contours[-1].append(((self.x, self.y),))

    def _curve(self, dxa: float, dya: float, dxb: float, dyb: float, dxc: float, dyc: float) -> None:
        a = (self.x + dxa, self.y + dya)
        b = (a[0] + dxb, a[1] + dyb)
        self.x, self.y = b[0] + dxc, b[1] + dyc
        self.contours[-1].append((a, b, (self.x, self.y)))

    def _take_width(self, expected_even: bool) -> None:
        """The first stack-clearing operator may carry the advance width as an extra first operand."""
        if not self.width_seen:
            self.width_seen = True
            if (len(self.stack) % 2 == 1) == expected_even and self.stack:
                self.stack.pop(0)

    def _execute(self, code: bytes) -> None:
        i, s = 0, self.stack
        while i < len(code) and not self.done:
            b0 = code[i]
            i += 1
            if b0 >= 32 or b0 == 28:
                if b0 <= 246 and b0 != 28:
                    s.append(b0 - 139)
                elif b0 == 28:
                    s.append(struct.unpack(">h", code[i : i + 2])[0])
                    i += 2
                elif b0 <= 250:
                    s.append((b0 - 247) * 256 + code[i] + 108)
                    i += 1
                elif b0 <= 254:
                    s.append(-(b0 - 251) * 256 - code[i] - 108)
                    i += 1
                else:
                    s.append(struct.unpack(">i", code[i : i + 4])[0] / 65536.0)
                    i += 4
                continue
            if b0 in (1, 3, 18, 23):  # stems
                self._take_width(True)
                self.stems += len(s) // 2
                s.clear()
            elif b0 in (19, 20):  # hintmask / cntrmask, with implied vstems
                self._take_width(True)
                self.stems += len(s) // 2
                s.clear()
                i += (self.stems + 7) // 8
            elif b0 == 21:
                self._take_width(True)
                self._move(s[0], s[1])
                s.clear()
            elif b0 == 22:
                self._take_width(False)
                self._move(s[0], 0)
                s.clear()
            elif b0 == 4:
                self._take_width(False)
                self._move(0, s[0])
                s.clear()
            elif b0 == 5:
                for k in range(0, len(s), 2):
                    self._line(s[k], s[k + 1])
                s.clear()
            elif b0 in (6, 7):
                horizontal = b0 == 6
                for v in s:
                    self._line(v, 0) if horizontal else self._line(0, v)
                    horizontal = not horizontal
                s.clear()
            elif b0 == 8:
                for k in range(0, len(s) - 5, 6):
                    self._curve(*s[k : k + 6])
                s.clear()
            elif b0 == 24:  # rcurveline
                k = 0
                while k + 6 <= len(s) - 2:
                    self._curve(*s[k : k + 6])
                    k += 6
                self._line(s[k], s[k + 1])
                s.clear()
            elif b0 == 25:  # rlinecurve
                k = 0
                while k + 2 <= len(s) - 6:
                    self._line(s[k], s[k + 1])
                    k += 2
                self._curve(*s[k : k + 6])
                s.clear()
            elif b0 in (26, 27):  # vvcurveto / hhcurveto
                first = s.pop(0) if len(s) % 4 == 1 else 0
                for k in range(0, len(s), 4):
                    a, b, c, d = s[k : k + 4]
                    if b0 == 26:
                        self._curve(first, a, b, c, 0, d)
                    else:
                        self._curve(a, first, b, c, d, 0)
                    first = 0
                s.clear()
            elif b0 in (30, 31):  # vhcurveto / hvcurveto alternate
                self._alternating_curves(s, start_horizontal=b0 == 31)
                s.clear()
            elif b0 == 10:
                idx = int(s.pop()) + self.lbias
                self._execute(self.lsubrs[idx])
            elif b0 == 29:
                idx = int(s.pop()) + self.gbias
                self._execute(self.gsubrs[idx])
            elif b0 == 11:
                return
            elif b0 == 14:
                self._take_width(True)
                self.done = True
            elif b0 == 12:
                self._flex(code[i], s)
                i += 1
                s.clear()
            else:
                raise ValueError(f"unsupported charstring operator {b0}")

    def _alternating_curves(self, s: list[float], start_horizontal: bool) -> None:
        k, horizontal, n = 0, start_horizontal, len(s)
        while k + 4 <= n:
            last = n - k in (5,)  # the final curve may carry a fifth operand
            d1, d2, d3, d4 = s[k : k + 4]
            extra = s[k + 4] if last else 0
            if horizontal:
                self._curve(d1, 0, d2, d3, extra, d4)
            else:
                self._curve(0, d1, d2, d3, d4, extra)
            k += 5 if last else 4
            horizontal = not horizontal

    def _flex(self, op: int, s: list[float]) -> None:
        if op == 35:  # flex
            self._curve(*s[0:6])
            self._curve(*s[6:12])
        elif op == 34:  # hflex
            self._curve(s[0], 0, s[1], s[2], s[3], 0)
            self._curve(s[4], 0, s[5], -s[2], s[6], 0)
        elif op == 36:  # hflex1
            self._curve(s[0], s[1], s[2], s[3], s[4], 0)
            self._curve(s[5], 0, s[6], s[7], s[8], -(s[1] + s[3] + s[7]))
        elif op == 37:  # flex1
            dx = s[0] + s[2] + s[4] + s[6] + s[8]
            dy = s[1] + s[3] + s[5] + s[7] + s[9]
            x0, y0 = self.x, self.y
            self._curve(*s[0:6])
            if abs(dx) > abs(dy):
                self._curve(s[6], s[7], s[8], s[9], s[10], y0 - self.y - s[7] - s[9])
            else:
                self._curve(s[6], s[7], s[8], s[9], x0 - self.x - s[6] - s[8], s[10])
        else:
            raise ValueError(f"unsupported charstring operator 12 {op}")
