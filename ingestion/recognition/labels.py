"""Labels of a form, found by the form's structure: ``label：value``, a label alone in its cell with the value
in the next cell (a tab or a wide gap apart) or in the cell below.

The printed words of each field live in the seed ``ref_field_labels.csv`` (a province adds its words there,
not here). A label matches with blanks between its characters (``当 事 人``), full-width or half-width
colons and a bracketed qualifier after it (``询问人（签名）：``); where two labels overlap, the longer wins
(``被询问人`` over ``询问人``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingestion.recognition.lines import Line
from ingestion.recognition.normalise import fold
from zhifa.reference import read_seed
from zhifa.settings import SEEDS_DIR

LABEL_SEED = "ref_field_labels.csv"
GOODS_PREFIX = "goods."
NOT_FIELDS = {"officer_certificate"}
_QUALIFIER = r"(?:\s*[(\[【](?P<q>[^()\[\]【】]{1,6})[)\]】])?"  # （签名） （单位） — folded brackets
_COLON = r"\s*[:;]"  # OCR reads the full-width colon as ":" (folded) and now and then as ";"
_GAP = r"(?=\t|\s{2,}|$)"  # a cell boundary: a tab in DOCX rows, a wide gap in a PDF text layer
CELL_SPLIT = re.compile(r"\t|\s{2,}")
MAX_HEADER_CELL = 12  # a cell longer than this is a value, not a label


@dataclass(frozen=True)
class Labels:
    by_field: dict[str, tuple[str, ...]]  # field → printed labels, as in the seed
    pattern: re.Pattern[str]  # any field label (goods columns excluded), named groups per label
    field_of: dict[str, str]  # group name → field

    def words(self, field: str) -> tuple[str, ...]:
        return self.by_field.get(field, ())


@dataclass(frozen=True)
class Labelled:
    field: str
    value: str  # in the document's spelling, from the label to the next label or cell
    line: Line
    label: str  # as printed
    qualifier: str = ""  # in brackets after the label: 签名, 单位 …

    @property
    def signed(self) -> bool:
        """A signature line: 询问人（签名）：…"""
        return "签" in self.qualifier


def spaced(label: str) -> str:
    """The regex of ``label`` allowing blanks between its characters."""
    return r"\s*".join(re.escape(ch) for ch in fold(label) if not ch.isspace())


def build_labels(table: list[tuple[str, str]]) -> Labels:
    by_field: dict[str, list[str]] = {}
    for field, label in table:
        by_field.setdefault(field, []).append(label)
    field_of: dict[str, str] = {}
    parts = []
    # longest first, so that at one position 被询问人 wins over 询问人 and 当事人类型 over 当事人
    # certificate numbers are read with the officers they follow, goods columns as table headers
    ordered = sorted(
        ((f, lab) for f, lab in table if not f.startswith(GOODS_PREFIX) and f not in NOT_FIELDS),
        key=lambda p: -len(p[1]),
    )
    for k, (field, label) in enumerate(ordered):
        field_of[f"l{k}"] = field
        parts.append(f"(?P<l{k}>{spaced(label)})")
    body = "|".join(parts) or "(?!)"
    # at the start of a line or cell, or after a blank or punctuation (never the tail of a longer word)
    pattern = re.compile(rf"(?:^|(?<=[\s,.;:!?、，。；]))(?:{body}){_QUALIFIER}(?:{_COLON}|{_GAP})")
    return Labels({f: tuple(v) for f, v in by_field.items()}, pattern, field_of)


@lru_cache(maxsize=4)
def load_labels(seeds_dir: Path = SEEDS_DIR) -> Labels:
    seed = read_seed(Path(seeds_dir) / LABEL_SEED)
    rows = [(str(f).strip(), str(lab).strip()) for f, lab in zip(seed["field"], seed["label"], strict=True)]
    return build_labels([(f, lab) for f, lab in rows if f and lab])


def labelled(lines: list[Line], labels: Labels) -> list[Labelled]:
    """Every (field, value) of the document in reading order. On each line, the values after their labels
    (to the next label or the end of the cell); then, for a row of label cells, the values in the cells
    below — candidates a typed field (a date) takes when the value beside its label is not one."""
    out: list[Labelled] = []
    for k, line in enumerate(lines):
        matches = list(labels.pattern.finditer(line.folded))
        in_cell = False
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(line.raw)
            value = line.raw[m.end() : end].lstrip().split("\t", 1)[0].strip()  # a value ends with its cell
            group = _group(m)
            in_cell = in_cell or re.search(_COLON + "$", m.group(0)) is None
            if value:
                out.append(
                    Labelled(
                        labels.field_of[group],
                        value,
                        line,
                        line.raw[m.start(group) : m.end(group)],
                        m.group("q") or "",
                    )
                )
        if matches and in_cell and k + 1 < len(lines):
            # officers named beside their label are not looked for again in the row below
            named = any(item.field == "officer" and item.line is line for item in out)
            out += [b for b in _below(line, lines[k + 1], labels) if not (named and b.field == "officer")]
    return _unique(out)


def _below(line: Line, nxt: Line, labels: Labels) -> list[Labelled]:
    """A row of label cells over a row of as many value cells, one at least with a digit (a date, a
    number): each label with the value under it."""
    heads = [c.strip() for c in CELL_SPLIT.split(line.folded.strip())]
    cells = [c.strip() for c in CELL_SPLIT.split(nxt.raw.strip())]
    if len(heads) < 2 or len(heads) != len(cells) or any(len(h) > MAX_HEADER_CELL for h in heads):
        return []
    if not re.search(r"\d", nxt.folded) or any(labels.pattern.match(fold(c)) for c in cells):
        return []  # the next row is labels too, or holds nothing a label row heads
    out = []
    for head, cell in zip(heads, cells, strict=True):
        m = labels.pattern.fullmatch(head)
        if m is not None and cell:
            out.append(Labelled(labels.field_of[_group(m)], cell, nxt, head, m.group("q") or ""))
    return out


def _group(m: re.Match[str]) -> str:
    """The name of the label group that matched (``q`` is the qualifier)."""
    return next(k for k, v in m.groupdict().items() if v is not None and k != "q")


def _unique(found: list[Labelled]) -> list[Labelled]:
    seen: set[tuple[str, str, int]] = set()
    out = []
    for item in found:
        key = (item.field, item.value, item.line.index)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def values_of(found: list[Labelled], field: str) -> list[Labelled]:
    return [item for item in found if item.field == field]
