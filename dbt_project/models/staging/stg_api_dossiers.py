"""raw.api_dossiers, extracted from the API store (ingestion/api_review_extract.py);
empty with the same typed columns before the API store was ever extracted into this warehouse."""

from ingestion.api_review_extract import present, staged


def model(dbt, session):
    dbt.config(materialized="table")
    if not present(session, "api_dossiers"):
        return staged(session, "api_dossiers")
    return staged(session, "api_dossiers", dbt.source("raw", "api_dossiers"))
