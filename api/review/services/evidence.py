"""Evidence of a machine finding: the rule's sentence with the dossier's facts, and the document values.

:func:`render_evidence` is the Python twin of dbt's ``render_evidence`` macro (marts.fct_rule_results), so
the API and the warehouse print the same sentence for the same facts: every ``{fact}`` in the rule's
``evidence_template_zh`` becomes that fact — 是/否 for booleans, amounts with two decimals and trailing zeros
dropped, ISO dates, "—" when unknown or not a fact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from zhifa.dossier_facts import DOCUMENT_DATES

UNKNOWN = "—"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_FLOATS = ("DOUBLE", "FLOAT", "REAL")


def evidence_value(value: Any, sql_type: str | None) -> str:
    if sql_type is None or value is None or (not isinstance(value, str) and pd.isna(value)):
        return UNKNOWN
    if sql_type == "BOOLEAN":
        return "是" if bool(value) else "否"
    if sql_type in _FLOATS or sql_type.startswith("DECIMAL"):
        return re.sub(r"\.?0+$", "", f"{float(value):.2f}", count=1)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render_evidence(template: str, facts: Mapping[str, Any], types: Mapping[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        return evidence_value(facts.get(name), types.get(name))

    return _PLACEHOLDER.sub(fill, template or "")


# fact → (document type or None for any, fields that show it)
_SOURCES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "party_values_distinct": (None, ("party_name",)),
    "cause": (None, ("cause",)),
    "cause_values_distinct": (None, ("cause",)),
    "cover_no": ("cover", ("cover_no",)),
    "retention": ("cover", ("retention",)),
    "valuation_signatures": ("valuation_table", ("signature_count",)),
    "valuation_line_nos_consecutive": ("valuation_table", ("goods_count",)),
    "valuation_items_match_preservation": ("valuation_table", ("goods_count", "goods_total_quantity")),
    "decision_states_remedies": ("penalty_decision", ("reconsideration_days", "litigation_months")),
    "decision_states_payment_terms": ("penalty_decision", ("payment_days",)),
    "decision_cites_legal_basis": ("penalty_decision", ("legal_basis",)),
    "n_inquiry_officers_min": ("inquiry_record", ("officer_count",)),
    **{fact: (doc_type, names[:1]) for fact, (doc_type, names) in DOCUMENT_DATES.items()},
}
_LINE = re.compile(r"^goods\.(\d+)\.(\w+)$")


def _rows(fields: pd.DataFrame, doc_type: str | None, names: tuple[str, ...]) -> pd.DataFrame:
    mine = fields[fields["field"].isin(names)]
    return mine if doc_type is None else mine[mine["doc_type"] == doc_type]


def _subtotal_lines(fields: pd.DataFrame, file_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Valuation lines whose subtotal is not quantity × unit price: the value found and the one expected."""
    table = fields[fields["doc_type"] == "valuation_table"]
    lines: dict[tuple[str, str], dict[str, float]] = {}
    for doc, name, value in zip(table["document_id"], table["field"], table["value"], strict=True):
        m = _LINE.match(str(name))
        number = pd.to_numeric(value, errors="coerce")
        if m and m.group(2) in ("quantity", "unit_price", "subtotal") and not pd.isna(number):
            lines.setdefault((str(doc), m.group(1)), {})[m.group(2)] = float(number)
    out = []
    for (doc, line), v in sorted(lines.items(), key=lambda kv: (kv[0][0], int(kv[0][1]))):
        if {"quantity", "unit_price", "subtotal"} <= v.keys():
            expected = round(v["quantity"] * v["unit_price"], 2)
            if abs(expected - v["subtotal"]) > 0.01:
                out.append(
                    {
                        "document": file_names.get(doc, doc),
                        "doc_type": "valuation_table",
                        "field": f"goods.{line}.subtotal",
                        "value": f"{v['subtotal']:.2f}",
                        "expected": f"{expected:.2f}",
                    }
                )
    return out


def documents_for(
    facts_used: list[str],
    fields: pd.DataFrame,
    file_names: Mapping[str, str],
    settings: Mapping[str, float | str],
) -> list[dict[str, Any]]:
    """Where in the dossier the facts of a finding were read: document, field, value (and expected)."""
    if fields.empty:
        return []
    out: list[dict[str, Any]] = []
    expected = {
        "cover_no": settings.get("cover_no_pattern"),
        "retention": settings.get("archive_retention"),
        "cause": f"{settings.get('cause_prefix', '')}…",
    }
    for fact in facts_used:
        if fact == "valuation_subtotals_ok":
            out += _subtotal_lines(fields, file_names)
            continue
        if fact.startswith("has_"):
            wanted = fact.removeprefix("has_")
            ids = fields.loc[fields["doc_type"] == wanted, "document_id"].drop_duplicates()
            out += [{"document": file_names.get(i, i), "doc_type": wanted, "field": "title"} for i in ids]
            if ids.empty:  # the missing document is the finding
                out.append(
                    {
                        "document": "（无）",
                        "doc_type": wanted,
                        "field": "title",
                        "value": None,
                        "expected": "应有",
                    }
                )
            continue
        if fact not in _SOURCES:
            continue
        doc_type, names = _SOURCES[fact]
        for doc, kind, name, value in _rows(fields, doc_type, names).itertuples(index=False):
            item = {
                "document": file_names.get(str(doc), str(doc)),
                "doc_type": kind,
                "field": name,
                "value": value,
            }
            if fact in expected and expected[fact] is not None:
                item["expected"] = str(expected[fact])
            out.append(item)
    return out
