"""Document type from the title: the keywords of ``ref_document_types.title_keywords`` (reference data).

Every type gets a score; the best wins only when it reaches ``ZHIFA_DOC_TYPE_MIN_CONFIDENCE``
(:mod:`zhifa.settings`), else the document is *unknown* and the two best scores say why — a form zhifa has
no type for (a 价格证明申请表) must not pass for the type whose title it resembles (核价表), or its figures
would be read as that type's facts.

The title sits on top, so the first lines are searched first; the longest keyword wins (行政处罚决定书
before 处罚决定书). OCR noise is folded away and, failing an exact keyword, the top lines are compared with
every keyword by similarity (characters in common over the longer of the two, so a title with words of its
own is not taken for a shorter one). A keyword under a title of another document (a short top line ending
like a document name, e.g. 价格证明申请表, then 附：涉案烟草专卖品核价表) or further down the body is a
citation — documents cite each other by name — and scores low.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from ingestion.recognition.normalise import fold
from zhifa.reference import load_reference
from zhifa.settings import get_settings

TOP_LINES = 4  # the title and the number line under it
CONFIDENCE_TITLE_EXACT = 0.99  # the top line is a keyword
CONFIDENCE_TITLE_CONTAINS = 0.9  # a top line contains a keyword
CONFIDENCE_BODY = 0.5  # a keyword only further down, or under another document's title: a citation
MIN_SIMILARITY = 0.6
TITLE_MAX_CHARS = 20  # a title line is short
_NOISE = re.compile(r"[\s\W_]+")
_LABEL = re.compile(r"[:：]")


@dataclass(frozen=True)
class Classification:
    doc_type: str | None  # None: unknown (nothing resembles a title, or the best score is too low)
    confidence: float  # the best type's score, whether or not it reached the threshold
    candidates: tuple[tuple[str, float], ...]  # the two best (type, score), best first
    threshold: float

    @property
    def reason(self) -> str:
        """Why the type is unknown, bilingual, with the two best scores."""
        if not self.candidates:
            return "没有与任何文书标题相似的文字 / nothing resembles a known document title"
        best = "，".join(f"{t} {s:.2f}" for t, s in self.candidates)
        limit = f"{self.threshold:.2f}"
        return f"最接近的类型：{best}；低于阈值 {limit} / best types: {best}; below {limit}"


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


@lru_cache(maxsize=1)
def _title_endings() -> frozenset[str]:
    """Last characters of the document names (书, 表, 单, 笔录 → 录 …): how a title line ends."""
    return frozenset(_squash(n)[-1] for n in load_reference().document_types["name_zh"] if _squash(n))


def _squash(text: str) -> str:
    """Letters only: spaces and punctuation OCR adds or drops inside a title do not matter."""
    return _NOISE.sub("", fold(str(text)))


def _similarity(line: str, keyword: str) -> float:
    segment = line[: len(keyword) + 4]
    matched = sum(b.size for b in SequenceMatcher(None, segment, keyword).get_matching_blocks())
    return matched / max(len(segment), len(keyword))


def _title_scores(top: list[tuple[str, str]]) -> dict[str, float]:
    """Score per type from the top lines (raw, squashed). A keyword a line holds beats any similarity, and
    per line only the longest keyword it holds counts; a line below another document's title only cites."""
    named: dict[str, float] = {}
    similar: dict[str, float] = {}
    for rank, (_, line) in enumerate(top):
        cited = rank > 0 and any(_is_other_title(r, s) for r, s in top[:rank])
        held = next(((k, c) for k, c in _keywords() if k in line), None)
        if held is not None:
            keyword, code = held
            score = CONFIDENCE_TITLE_EXACT if line == keyword else CONFIDENCE_TITLE_CONTAINS
            score = CONFIDENCE_BODY if cited else score - (0.01 if line == keyword else 0.02) * rank
            named[code] = max(named.get(code, 0.0), round(score, 3))
        elif not cited:
            for keyword, code in _keywords():
                if (ratio := _similarity(line, keyword)) >= MIN_SIMILARITY:
                    score = round(ratio * CONFIDENCE_TITLE_CONTAINS, 3)
                    similar[code] = max(similar.get(code, 0.0), score)
    strong = {c: s for c, s in named.items() if s > CONFIDENCE_BODY}
    return named if strong else {**similar, **{c: max(s, similar.get(c, 0.0)) for c, s in named.items()}}


def _is_other_title(raw: str, line: str) -> bool:
    """A short line without a label that ends like a document name and names no known type."""
    if not line or len(line) > TITLE_MAX_CHARS or _LABEL.search(raw) or line[-1] not in _title_endings():
        return False
    return not any(keyword in line for keyword, _ in _keywords())


def classify_text(text: str, threshold: float | None = None) -> Classification:
    """Score every type; the best is the type when it reaches ``threshold`` (default: the setting)."""
    limit = get_settings().doc_type_min_confidence if threshold is None else threshold
    raws = [line for line in text.splitlines() if _squash(line)]
    top = [(raw, _squash(raw)) for raw in raws[:TOP_LINES]]
    scores = _title_scores(top)
    body = "".join(_squash(raw) for raw in raws[TOP_LINES:])
    for keyword, code in _keywords():
        if len(keyword) >= 4 and keyword in body:
            scores[code] = max(scores.get(code, 0.0), CONFIDENCE_BODY)
    ranked = tuple(sorted(scores.items(), key=lambda p: (-p[1], p[0]))[:2])
    if not ranked:
        return Classification(None, 0.0, (), limit)
    best, score = ranked[0]
    return Classification(best if score >= limit else None, score, ranked, limit)


def classify(text: str) -> tuple[str | None, float]:
    """(doc_type, confidence); ``doc_type`` is None when unknown (see :func:`classify_text` for why)."""
    found = classify_text(text)
    return found.doc_type, found.confidence
