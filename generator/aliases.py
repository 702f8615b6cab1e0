"""A variation real exports have: one unit writes its document types under another bureau's codes or their
Chinese names (the aliases of ref_code_aliases.csv and the names of ref_document_types.csv), which the import
maps back to the canonical codes (ingestion.refcodes) — so dossier completeness must not change."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zhifa.reference import ReferenceData
from zhifa.settings import SEEDS_DIR


def alias_document_codes(
    ref: ReferenceData, documents: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``documents`` with one unit's doc_type values replaced by aliases; the truth: the unit and the
    alias → code map it used."""
    seeded = pd.read_csv(SEEDS_DIR / "ref_code_aliases.csv", dtype=str, keep_default_na=False)
    seeded = seeded[seeded.kind == "doc_type"]
    types = ref.document_types
    options = {
        code: sorted({name, *seeded.alias[seeded.code == code]})
        for code, name in zip(types.doc_type, types.name_zh, strict=True)
    }
    unit_of = documents.case_id.str[1:7]  # C + unit code + year + serial (docs/conventions.md)
    units = sorted(unit_of.dropna().unique())
    if not units:
        return documents, {}
    unit = units[int(rng.integers(len(units)))]
    mapping = {code: opts[int(rng.integers(len(opts)))] for code, opts in options.items()}
    mine = (unit_of == unit).to_numpy()
    documents = documents.copy()
    documents.loc[mine, "doc_type"] = documents.loc[mine, "doc_type"].map(lambda c: mapping.get(c, c))
    used = sorted(set(documents.loc[mine, "doc_type"]))
    return documents, {
        "unit_code": unit,
        "aliases": {alias: code for code, alias in mapping.items() if alias in used and alias != code},
    }
