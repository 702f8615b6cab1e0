"""Per-case facts read from recognised dossier files (raw.document_fields), by zhifa.dossier_facts — the
function the API's machine review calls for one uploaded dossier, so both read files the same way.

A case with no recognised file has no row, so the rules needing these facts come out "not checked" (NULL),
never "passed". The document's registered type wins over the recognised one; a file of no type (neither
registered nor recognised with enough confidence) lends no fact at all (issue #21: a price-proof application
read as a valuation table must not feed the valuation rules).
"""

from zhifa.dossier_facts import FIELD_INPUT_COLUMNS, recognised_facts


def model(dbt, session):
    dbt.config(materialized="table")
    fields_rel = dbt.ref("stg_document_fields")
    documents_rel = dbt.ref("stg_documents")
    fields = fields_rel.df()
    documents = documents_rel.df()[["document_id", "doc_type"]].drop_duplicates("document_id")
    merged = fields.merge(documents, on="document_id", how="left")
    merged["doc_type"] = merged["doc_type"].where(merged["doc_type"].notna(), merged["doc_type_detected"])
    return recognised_facts(merged[merged["doc_type"].notna()][FIELD_INPUT_COLUMNS])
