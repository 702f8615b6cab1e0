"""Dossier recognition: text from PDF/DOCX/scans, document type from the title, fields with confidences.

Pure functions, no Dagster or web framework; the pipeline (``document_fields``) and the API's upload review
both call them::

    doc = recognise_file("files/C41010420240002/D4101042024000201_cover.pdf")
    doc.doc_type, doc.value("doc_no")          # ("cover", "2024年度西烟第20号")
    result = recognise_folder(world, documents)  # .fields: document_fields; .errors: per-file problems
"""

from ingestion.recognition.classify import classify
from ingestion.recognition.extract import ExtractedText, extract_text
from ingestion.recognition.fields import Field, extract_fields
from ingestion.recognition.recognise import (
    ERROR_COLUMNS,
    FIELD_COLUMNS,
    FolderRecognition,
    RecognisedDocument,
    recognise_bytes,
    recognise_file,
    recognise_folder,
    recognise_text,
)

__all__ = [
    "ERROR_COLUMNS",
    "FIELD_COLUMNS",
    "ExtractedText",
    "Field",
    "FolderRecognition",
    "RecognisedDocument",
    "classify",
    "extract_fields",
    "extract_text",
    "recognise_bytes",
    "recognise_file",
    "recognise_folder",
    "recognise_text",
]
