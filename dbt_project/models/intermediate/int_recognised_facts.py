"""Per-case facts read from recognised dossier files (raw.document_fields), by zhifa.dossier_facts — the
function the API's machine review calls for one uploaded dossier, so both read files the same way.

A case with no recognised file has no row, so the rules needing these facts come out "not checked" (NULL),
never "passed". The document's registered type wins over the recognised one; a file of no type (neither
registered nor recognised with enough confidence) lends no fact at all (issue #21: a price-proof application
read as a valuation table must not feed the valuation rules).

The join and the facts' SQL run in the warehouse's DuckDB (recognised_facts_relation): pulling the documents
into pandas to merge them cost most of this model's time and memory at national scale.
"""

from zhifa.dossier_facts import recognised_facts_relation


def model(dbt, session):
    dbt.config(materialized="table")
    documents = dbt.ref("stg_documents").select("document_id as registered_id, doc_type as registered_type")
    fields = dbt.ref("stg_document_fields").join(documents, "document_id = registered_id", how="left")
    typed = fields.select(
        "case_id, document_id, coalesce(registered_type, doc_type_detected) as doc_type, field, value"
    )
    return recognised_facts_relation(typed.filter("doc_type is not null"))
