"""raw.api_review_tasks, extracted from the API store (ingestion/api_review_extract.py);
empty with the same typed columns before the API store was ever extracted into this warehouse."""

from ingestion.api_review_extract import staged


def model(dbt, session):
    dbt.config(materialized="table")
    return staged(session, "api_review_tasks", lambda: dbt.source("raw", "api_review_tasks"))
