"""One file → :class:`RecognisedDocument`; a dossier folder → the ``document_fields`` table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingestion.recognition.classify import classify_text
from ingestion.recognition.extract import ExtractedText, Source, extract_text
from ingestion.recognition.fields import Field, extract_fields
from ingestion.recognition.located import LocatedField, locate_fields
from ingestion.recognition.positions import PageBox

FIELD_COLUMNS = [
    "document_id",
    "case_id",
    "file_path",
    "doc_type_detected",
    "doc_type_confidence",
    "text_source",
    "field",
    "value",
    "confidence",
]
ERROR_COLUMNS = ["document_id", "case_id", "file_path", "error"]


@dataclass
class RecognisedDocument:
    filename: str
    doc_type: str | None
    doc_type_confidence: float
    text_source: Source
    pages: int
    fields: list[Field]
    text: str
    errors: list[str] = field(default_factory=list)
    # the two best (type, score) of the classification: why a document is of its type, or unknown
    type_candidates: tuple[tuple[str, float], ...] = ()
    line_boxes: list[PageBox | None] | None = None  # per line of ``text``, where measured

    def value(self, name: str) -> str | None:
        """The first value of field ``name``, or ``None``."""
        return next((f.value for f in self.fields if f.name == name), None)

    def located_fields(self) -> list[LocatedField]:
        """The fields with where they were read (page, line, position, source text)."""
        # a DOCX has no pages until Word lays it out: its one "page" says nothing about where a line is
        pages = 0 if self.text_source == "docx" else self.pages
        return locate_fields(self.fields, self.text, pages, self.line_boxes)


def recognise_text(extracted: ExtractedText, filename: str) -> RecognisedDocument:
    errors = list(extracted.errors)
    if not extracted.text.strip():
        return RecognisedDocument(filename, None, 0.0, extracted.source, extracted.pages, [], "", errors)
    typed = classify_text(extracted.text)
    doc_type = typed.doc_type
    if doc_type is None:  # its fields are still read (shown to a reviewer), never used as facts
        errors.append(
            f"无法判断文书类型：{filename}（{typed.reason.split(' / ')[0]}） / document type not recognised: "
            f"{filename} ({typed.reason.split(' / ')[-1]})"
        )
    fields = extract_fields(extracted.text, doc_type, extracted.line_scores)
    return RecognisedDocument(
        filename,
        doc_type,
        typed.confidence,
        extracted.source,
        extracted.pages,
        fields,
        extracted.text,
        errors,
        typed.candidates,
        extracted.line_boxes,
    )


def recognise_bytes(data: bytes, filename: str) -> RecognisedDocument:
    """For uploads: the bytes of one file (its type is sniffed; ``filename`` only names it)."""
    return recognise_text(extract_text(data, filename), filename)


def recognise_file(path: str | Path) -> RecognisedDocument:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        message = f"无法读取文件：{path.name} / cannot read file {path.name}: {exc.strerror or exc}"
        return RecognisedDocument(path.name, None, 0.0, "none", 0, [], "", [message])
    return recognise_bytes(data, path.name)


@dataclass
class FolderRecognition:
    fields: pd.DataFrame  # FIELD_COLUMNS, one row per field
    errors: pd.DataFrame  # ERROR_COLUMNS, one row per problem with a file


def recognise_folder(
    folder: str | Path,
    documents_frame: pd.DataFrame,
    progress: Callable[[int], None] | None = None,
) -> FolderRecognition:
    """Recognise every document of ``documents_frame`` (document_id, case_id, file_path relative to
    ``folder``) that has a file; rows without a file_path are skipped."""
    root = Path(folder)
    rows: list[dict[str, object]] = []
    errors: list[dict[str, object]] = []
    wanted = documents_frame[documents_frame["file_path"].notna()]
    for document_id, case_id, rel in zip(
        wanted["document_id"], wanted["case_id"], wanted["file_path"], strict=True
    ):
        ident = {"document_id": document_id, "case_id": case_id, "file_path": rel}
        path = root / str(rel)
        if not path.resolve().is_relative_to(root.resolve()):
            errors.append({**ident, "error": f"文件路径越界：{rel} / file path leaves the folder: {rel}"})
            continue
        doc = recognise_file(path)
        errors += [{**ident, "error": message} for message in doc.errors]
        head = {
            **ident,
            "doc_type_detected": doc.doc_type,
            "doc_type_confidence": doc.doc_type_confidence,
            "text_source": doc.text_source,
        }
        rows += [{**head, "field": f.name, "value": f.value, "confidence": f.confidence} for f in doc.fields]
        if progress is not None:
            progress(1)
    return FolderRecognition(
        _frame(rows, FIELD_COLUMNS, {"doc_type_confidence": "float64", "confidence": "float64"}),
        _frame(errors, ERROR_COLUMNS, {}),
    )


def _frame(rows: list[dict[str, object]], columns: list[str], floats: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({c: ("float64" if c in floats else "string") for c in columns})
