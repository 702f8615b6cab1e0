"""Document type from the title: the keywords of ``ref_document_types.title_keywords`` (reference data).

The title sits on top, so the first lines are searched first; the longest keyword wins (行政处罚决定书
before 处罚决定书). OCR noise is folded away and, failing an exact keyword, the top lines are compared
with every keyword by similarity.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from ingestion.recognition.normalise import fold
from zhifa.reference import load_reference

TOP_LINES = 4  # the title and the number line under it
CONFIDENCE_TITLE_EXACT = 0.99  # the top line is a keyword
CONFIDENCE_TITLE_CONTAINS = 0.9  # a top line contains a keyword
CONFIDENCE_BODY = 0.5  # a keyword only further down (documents cite each other by name)
MIN_SIMILARITY = 0.6
_NOISE = re.compile(r"[\s\W_]+")


@lru_cache(maxsize=1)
def _keywords() -> tuple[tuple[str, str], ...]:
    """(keyword, doc_type), longest first."""
    table = load_reference().document_types
    pairs = {
        (_squash(keyword), str(code))
        for code, keywords in zip(table["doc_type"], table["title_keywords"].fillna(""), strict=True)
        for keyword in [*str(keywords).split(";"), *table.loc[table["doc_type"] == code, "name_zh"]]
        if keyword.strip()
    }
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), p[1])))


def _squash(text: str) -> str:
    """Letters only: spaces and punctuation OCR adds or drops inside a title do not matter."""
    return _NOISE.sub("", fold(str(text)))


def classify(text: str) -> tuple[str | None, float]:
    """(doc_type, confidence); ``(None, 0.0)`` when nothing resembles a known title."""
    lines = [_squash(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return None, 0.0
    top = lines[:TOP_LINES]
    keywords = _keywords()
    for rank, line in enumerate(top):
        for keyword, code in keywords:
            if line == keyword:
                return code, CONFIDENCE_TITLE_EXACT - 0.01 * rank
    for rank, line in enumerate(top):
        for keyword, code in keywords:
            if keyword in line:
                return code, CONFIDENCE_TITLE_CONTAINS - 0.02 * rank
    best, best_ratio = None, 0.0
    for line in top:
        for keyword, code in keywords:
            ratio = SequenceMatcher(None, line[: len(keyword) + 4], keyword).ratio()
            if ratio > best_ratio:
                best, best_ratio = code, ratio
    if best is not None and best_ratio >= MIN_SIMILARITY:
        return best, round(best_ratio * CONFIDENCE_TITLE_CONTAINS, 3)
    body = "".join(lines[TOP_LINES:])
    for keyword, code in keywords:
        if len(keyword) >= 4 and keyword in body:
            return code, CONFIDENCE_BODY
    return None, 0.0
