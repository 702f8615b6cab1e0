"""raw.api_sampling_draws, extracted from the API store (ingestion/api_review_extract.py);
empty with the same typed columns before the API store was ever extracted into this warehouse."""

from ingestion.api_review_extract import present, staged


def model(dbt, session):
    dbt.config(materialized="table")
    if not present(session, "api_sampling_draws"):
        return staged(session, "api_sampling_draws")
    return staged(session, "api_sampling_draws", dbt.source("raw", "api_sampling_draws"))
