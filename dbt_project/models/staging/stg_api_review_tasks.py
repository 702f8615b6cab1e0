"""raw.api_review_tasks, extracted from the API store (ingestion/api_review_extract.py);
empty with the same typed columns before the API store was ever extracted into this warehouse."""

from ingestion.api_review_extract import present, staged


def model(dbt, session):
    dbt.config(materialized="table")
    if not present(session, "api_review_tasks"):
        return staged(session, "api_review_tasks")
    return staged(session, "api_review_tasks", dbt.source("raw", "api_review_tasks"))
