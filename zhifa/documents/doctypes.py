"""The document types of a dossier (DOMAIN.md §7, docs/conventions.md) and how they are numbered."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from zhifa.reference import load_reference


class DocType(NamedTuple):
    title: str  # exact Chinese name printed on top (ref_document_types.name_zh)
    kind: str | None  # kind characters of the document number (乐烟「立」〔2024〕第12号); None: not numbered
    external: bool  # issued to the party or another agency (direction = external): carries the seal line


# Kind characters of the document number, one table for every numbered type (DOMAIN.md §7 gives
# 立, 存通字 and 送; the others follow the same house style). Titles and direction come from the seed.
KIND_CHARS: dict[str, str] = {
    "preservation_approval": "存批字",
    "preservation_notice": "存通字",
    "filing_report": "立",
    "sampling_list": "抽字",
    "appraisal_notice": "鉴告字",
    "preservation_handling": "存处字",
    "inquiry_notice": "询通字",
    "evidence_extraction": "证提字",
    "extension_approval": "延字",
    "prior_notice": "罚告",
    "hearing_notice": "听告",
    "penalty_decision": "罚",
    "service_receipt": "送",
    "confiscation_list": "没字",
    "transfer_letter": "移字",
}


@lru_cache(maxsize=1)
def doc_types() -> dict[str, DocType]:
    """Every document type of docs/conventions.md, in filing order, from ``ref_document_types.csv``."""
    table = load_reference().document_types.sort_values("filing_order")
    return {
        str(code): DocType(str(title), KIND_CHARS.get(str(code)), direction == "external")
        for code, title, direction in zip(
            table["doc_type"], table["name_zh"], table["direction"], strict=True
        )
    }


def lookup(code: str) -> DocType:
    try:
        return doc_types()[code]
    except KeyError:
        raise ValueError(f"未知文书类型 / unknown document type: {code!r}") from None


def document_number(abbr: str, kind_char: str, year: int, serial: int, sub: int | None = None) -> str:
    """乐烟立〔2024〕第12号; with ``sub`` (the served document's position) 乐烟送〔2024〕第12-3号."""
    number = f"{serial}-{sub}" if sub is not None else f"{serial}"
    return f"{abbr}{kind_char}〔{year}〕第{number}号"


def cover_number(abbr: str, year: int, serial: int) -> str:
    """The dossier number on the cover: 2024年度乐烟第12号."""
    return f"{year}年度{abbr}第{serial}号"
