"""Dossier facts read from recognised files — one definition for the warehouse and the API.

:func:`recognised_facts` turns recognised document fields (``document_id, doc_type, field, value`` and
``case_id``) into one row per case: spellings of party and cause, cover number and retention, the valuation
table's arithmetic, line numbers and signatures, what the penalty decision states. It is one SQL query run by
an in-memory DuckDB; dbt's ``int_recognised_facts`` (a Python model) and the API's machine review both call
it, so a dossier uploaded through the API and the same files recognised by the pipeline give the same facts.

:func:`dossier_facts` builds the full facts row of docs/review-rules.md for one uploaded dossier: the
recognised facts, ``has_<doc_type>`` from the recognised document types, the few dates documents carry, and
the case facts the caller knows (the API store's case, when it was captured there). A fact nobody can tell
stays ``None``, so the rules needing it come out "not checked".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

FIELD_INPUT_COLUMNS = ["case_id", "document_id", "doc_type", "field", "value"]

# Column → DuckDB type of the recognised-facts table (the contract of dbt's int_recognised_facts).
RECOGNISED_COLUMNS: dict[str, str] = {
    "case_id": "VARCHAR",
    "party_values_distinct": "BIGINT",
    "cause_values_distinct": "BIGINT",
    "cause": "VARCHAR",
    "cover_no": "VARCHAR",
    "retention": "VARCHAR",
    "valuation_signatures": "INTEGER",
    "valuation_subtotals_ok": "BOOLEAN",
    "valuation_line_nos_consecutive": "BOOLEAN",
    "valuation_lines": "BIGINT",
    "valuation_quantity": "DOUBLE",
    "decision_states_remedies": "BOOLEAN",
    "decision_states_payment_terms": "BOOLEAN",
    "decision_legal_basis": "VARCHAR",
}

_RECOGNISED_SQL = r"""
with fields as (
    select
        cast(case_id as varchar) as case_id,
        cast(document_id as varchar) as document_id,
        cast(doc_type as varchar) as doc_type,
        cast(field as varchar) as field,
        cast(value as varchar) as value,
        regexp_extract(cast(field as varchar), '^goods\.(\d+)\.', 1) as goods_line,
        regexp_extract(cast(field as varchar), '^goods\.\d+\.(\w+)$', 1) as goods_attr
    from fields_in
),
goods as (
    select
        case_id,
        document_id,
        goods_line,
        max(try_cast(value as double)) filter (where goods_attr = 'line_no') as line_no,
        max(try_cast(value as double)) filter (where goods_attr = 'quantity') as quantity,
        max(try_cast(value as double)) filter (where goods_attr = 'unit_price') as unit_price,
        max(try_cast(value as double)) filter (where goods_attr = 'subtotal') as subtotal
    from fields
    where doc_type = 'valuation_table' and goods_line <> ''
    group by all
),
valuation as (
    select
        g.case_id,
        count(*) as n_lines,
        bool_and(abs(round(g.quantity * g.unit_price, 2) - g.subtotal) <= 0.01) as lines_ok,
        sum(g.subtotal) as subtotal_sum,
        sum(g.quantity) as quantity_sum,
        list_sort(list(g.line_no)) = range(1, count(*) + 1)::double[] as line_nos_consecutive
    from goods as g
    group by g.case_id
),
per_case as (
    select
        case_id,
        count(distinct value) filter (where field = 'party_name') as party_values,
        count(distinct value) filter (where field = 'cause') as cause_values,
        arg_min(value, case doc_type when 'filing_report' then 0 when 'cover' then 1 else 2 end)
            filter (where field = 'cause') as cause,
        max(value) filter (where field = 'cover_no' and doc_type = 'cover') as cover_no,
        max(value) filter (where field = 'retention' and doc_type = 'cover') as retention,
        min(try_cast(value as integer))
            filter (where field = 'signature_count' and doc_type = 'valuation_table') as valuation_signatures,
        max(try_cast(value as double))
            filter (where field = 'goods_total_value' and doc_type = 'valuation_table') as goods_total_value,
        max(try_cast(value as double))
            filter (where field = 'goods_total_quantity' and doc_type = 'valuation_table')
            as goods_total_quantity,
        max(try_cast(value as integer))
            filter (where field = 'goods_count' and doc_type = 'valuation_table') as goods_count,
        -- both remedies read = stated; neither = not stated; one of them = a line recognition missed: unknown
        case (count(*) filter (where field = 'reconsideration_days'
                               and doc_type = 'penalty_decision') > 0)::int
             + (count(*) filter (where field = 'litigation_months'
                                 and doc_type = 'penalty_decision') > 0)::int
            when 2 then true when 0 then false end as decision_states_remedies,
        count(*) filter (where field = 'payment_days' and doc_type = 'penalty_decision') > 0
            as decision_states_payment_terms,
        max(value) filter (where field = 'legal_basis' and doc_type = 'penalty_decision')
            as decision_legal_basis,
        count(*) filter (where doc_type = 'penalty_decision') > 0 as decision_recognised,
        count(*) filter (where doc_type = 'valuation_table') > 0 as valuation_recognised
    from fields
    group by case_id
)
select
    p.case_id,
    nullif(p.party_values, 0) as party_values_distinct,
    nullif(p.cause_values, 0) as cause_values_distinct,
    p.cause,
    p.cover_no,
    p.retention,
    p.valuation_signatures,
    -- the table's own counts vouch for the reading: when the recognised lines do not add up to the printed
    -- line count and total quantity, a misread digit is likelier than a wrong table, so it is not checked
    case when p.valuation_recognised and v.n_lines > 0
              and v.n_lines = coalesce(p.goods_count, v.n_lines)
              and abs(v.quantity_sum - coalesce(p.goods_total_quantity, v.quantity_sum)) <= 0.01
         then v.lines_ok
              and (p.goods_total_value is null or abs(v.subtotal_sum - p.goods_total_value) <= 0.01)
    end as valuation_subtotals_ok,
    case when p.valuation_recognised and v.n_lines > 0
              and v.n_lines = coalesce(p.goods_count, v.n_lines)
         then v.line_nos_consecutive end as valuation_line_nos_consecutive,
    v.n_lines as valuation_lines,
    v.quantity_sum as valuation_quantity,
    case when p.decision_recognised then p.decision_states_remedies end as decision_states_remedies,
    case when p.decision_recognised then p.decision_states_payment_terms end as decision_states_payment_terms,
    p.decision_legal_basis
from per_case as p
left join valuation as v on v.case_id = p.case_id
"""


def recognised_facts(fields: pd.DataFrame) -> pa.Table:
    """One row per case of ``fields`` (:data:`FIELD_INPUT_COLUMNS`), typed as :data:`RECOGNISED_COLUMNS`.

    ``doc_type`` is the document's type (the registered one when known, else the recognised one). A case
    without any field has no row.
    """
    missing = [c for c in FIELD_INPUT_COLUMNS if c not in fields.columns]
    if missing:
        raise ValueError(f"识别字段缺少列 / recognised fields lack columns: {missing}")
    con = duckdb.connect(":memory:")
    try:
        return recognised_facts_relation(
            con.from_df(fields[FIELD_INPUT_COLUMNS].astype("object"))
        ).to_arrow_table()
    finally:
        con.close()


def recognised_facts_relation(fields: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """:func:`recognised_facts` on a relation of any connection (dbt's warehouse: no pandas)."""
    typed = ", ".join(f'CAST(r."{c}" AS {t}) AS "{c}"' for c, t in RECOGNISED_COLUMNS.items())
    inputs = fields.select(", ".join(f'"{c}"' for c in FIELD_INPUT_COLUMNS))
    facts = inputs.query("fields_in", f"SELECT {typed} FROM ({_RECOGNISED_SQL}) AS r ORDER BY r.case_id")
    if facts is None:  # only a statement that is not a query gives none
        raise RuntimeError("recognised facts: the query gave no relation")
    return facts


# --- one dossier (API) -------------------------------------------------------------------------------------
# The dates a document carries itself, as the warehouse takes them from the documents table: the earliest
# date of the first matching field on a document of that type. Dates that would start a time-limit check
# (filing, decision …) are not read from documents: without the rest of the case they would make rules fail
# for want of data, so they come from the captured case or stay unknown.
DOCUMENT_DATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "report_date": ("report_record", ("issued_on",)),
    "inspection_date": ("inspection_record", ("inspection_on", "issued_on")),
    "hearing_notice_date": ("hearing_notice", ("issued_on",)),
    "prior_notice_date": ("prior_notice", ("issued_on",)),
    "handler_opinion_date": ("filing_report", ("handler_opinion_on",)),
    "dept_opinion_date": ("filing_report", ("dept_opinion_on",)),
    "head_opinion_date": ("filing_report", ("head_opinion_on",)),
}
_INQUIRY_TYPES = ("inquiry_record", "statement_record")


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _document_dates(fields: pd.DataFrame) -> dict[str, date | None]:
    out: dict[str, date | None] = {}
    for fact, (doc_type, names) in DOCUMENT_DATES.items():
        mine = fields[fields["doc_type"] == doc_type]
        found: date | None = None
        for name in names:
            days = [d for d in (_iso_date(v) for v in mine.loc[mine["field"] == name, "value"]) if d]
            if days:
                found = min(days)
                break
        out[fact] = found
    return out


def _min_inquiry_officers(fields: pd.DataFrame) -> int | None:
    counts = fields[fields["doc_type"].isin(_INQUIRY_TYPES) & (fields["field"] == "officer_count")]
    numbers = pd.to_numeric(counts["value"], errors="coerce").dropna()
    return int(numbers.min()) if not numbers.empty else None


def _goods_of(fields: pd.DataFrame, doc_type: str) -> tuple[float | None, float | None]:
    """(goods_count, goods_total_quantity) printed on the first document of ``doc_type``."""
    mine = fields[fields["doc_type"] == doc_type]
    count = pd.to_numeric(mine.loc[mine["field"] == "goods_count", "value"], errors="coerce").dropna()
    qty = pd.to_numeric(mine.loc[mine["field"] == "goods_total_quantity", "value"], errors="coerce").dropna()
    return (
        float(count.iloc[0]) if not count.empty else None,
        float(qty.iloc[0]) if not qty.empty else None,
    )


def cites_legal_basis(decision_basis: str | None, violation_basis: str | None) -> bool | None:
    """The decision's 法律依据 contains the violation's first legal-basis article (spaces ignored)."""
    if not decision_basis or not violation_basis:
        return None
    first = re.sub(r"\s", "", str(violation_basis).split("；")[0])
    return first in re.sub(r"\s", "", str(decision_basis))


def dossier_facts(
    case_id: str,
    fields: pd.DataFrame,
    doc_types: Iterable[str],
    vocabulary: Mapping[str, str],
    case_facts: Mapping[str, Any] | None = None,
    violation: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The facts row (every key of ``vocabulary``) of one dossier.

    ``fields``: the recognised fields of its files (:data:`FIELD_INPUT_COLUMNS`; ``case_id`` may be absent);
    ``doc_types``: the recognised type of every readable file; ``case_facts``: facts of the captured case,
    which win over anything read from documents; ``violation``: its ref_violation_types row, if known.
    ``has_<doc_type>`` is TRUE/FALSE once at least one file was recognised (a dossier is uploaded whole, so
    a missing document is a finding), else unknown.
    """
    facts: dict[str, Any] = dict.fromkeys(vocabulary)
    facts["case_id"] = case_id
    frame = fields.assign(case_id=case_id) if len(fields) else pd.DataFrame(columns=FIELD_INPUT_COLUMNS)
    recognised = recognised_facts(frame).to_pylist()
    row = recognised[0] if recognised else {}
    present = set(doc_types)
    for name in vocabulary:
        if name.startswith("has_") and present:
            facts[name] = name.removeprefix("has_") in present
    for name in (
        "party_values_distinct",
        "cause_values_distinct",
        "cause",
        "cover_no",
        "retention",
        "valuation_signatures",
        "valuation_subtotals_ok",
        "valuation_line_nos_consecutive",
        "decision_states_remedies",
        "decision_states_payment_terms",
    ):
        if name in facts:
            facts[name] = row.get(name)
    if len(frame):
        facts.update({k: v for k, v in _document_dates(frame).items() if k in facts})
        facts["n_inquiry_officers_min"] = _min_inquiry_officers(frame)
    case = dict(case_facts or {})
    # valuation items vs the preservation list: the captured items when known, else the preservation notice
    lines, qty = row.get("valuation_lines"), row.get("valuation_quantity")
    ref_lines, ref_qty = case.pop("preservation_lines", None), case.pop("preservation_quantity", None)
    if ref_lines is None and len(frame):
        ref_lines, ref_qty = _goods_of(frame, "preservation_notice")
    if lines is not None and ref_lines is not None and ref_qty is not None and qty is not None:
        facts["valuation_items_match_preservation"] = lines == ref_lines and abs(qty - ref_qty) <= 0.01
    if violation:
        facts["decision_cites_legal_basis"] = cites_legal_basis(
            row.get("decision_legal_basis"), violation.get("legal_basis")
        )
        if "must_transfer_to" in facts:
            facts["must_transfer_to"] = str(violation.get("must_transfer_to") or "") or None
    facts.update({k: v for k, v in case.items() if k in facts and v is not None})
    return facts
