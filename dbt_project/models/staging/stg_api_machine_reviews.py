"""raw.api_machine_reviews, extracted from the API store (ingestion/api_review_extract.py);
empty with the same typed columns before the API store was ever extracted into this warehouse."""

from ingestion.api_review_extract import present, staged


def model(dbt, session):
    dbt.config(materialized="table")
    if not present(session, "api_machine_reviews"):
        return staged(session, "api_machine_reviews")
    return staged(session, "api_machine_reviews", dbt.source("raw", "api_machine_reviews"))
