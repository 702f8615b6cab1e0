"""A document's text as lines, each with its folded twin and its OCR score — what field finders read."""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.recognition.normalise import fold


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
