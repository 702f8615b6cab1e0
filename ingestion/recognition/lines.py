"""A document's text as lines, each with its folded twin and its OCR score — what field finders read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.recognition.normalise import fold

LABEL_SEP = r"\s*[:;]\s*"  # OCR reads the full-width colon as ":" (folded) and now and then as ";"


@dataclass(frozen=True)
class Line:
    index: int
    raw: str  # as extracted
    folded: str  # fold(raw): same length, so folded positions slice raw
    score: float  # 1.0 for a text layer or DOCX


@dataclass(frozen=True)
class Found:
    value: str
    line: Line
    base: float  # how sure the pattern is, before the OCR score

    @property
    def confidence(self) -> float:
        return round(self.base * self.line.score, 3)


def split_lines(text: str, scores: list[float] | None = None) -> list[Line]:
    raws = text.splitlines()
    if scores is None or len(scores) != len(raws):
        scores = [1.0] * len(raws)
    return [
        Line(i, raw.strip(), fold(raw.strip()), float(score))
        for i, (raw, score) in enumerate(zip(raws, scores, strict=True))
        if raw.strip()
    ]


def label_pattern(label: str) -> re.Pattern[str]:
    """``label:`` at the start of a line or after a space (never the tail of a longer label such as
    受送达人 for 当事人 or 当事人类型 for 当事人)."""
    return re.compile(rf"(?:^|(?<=\s)){re.escape(label)}{LABEL_SEP}")


def labelled_values(lines: list[Line], label: str) -> list[tuple[str, Line]]:
    """Every value written after ``label:``, to the end of its line, in the document's spelling."""
    pattern = label_pattern(label)
    found = []
    for line in lines:
        m = pattern.search(line.folded)
        if m is not None:
            found.append((line.raw[m.end() :].strip(), line))
    return found
