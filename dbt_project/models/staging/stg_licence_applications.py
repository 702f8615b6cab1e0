"""Licence applications with the applicant, address and licence number pseudonymised; local dates."""

from zhifa.pseudonym import from_env as pseudonym_key
from zhifa.pseudonym import pseudonym_sql as pseudonym


def model(dbt, session):
    dbt.config(materialized="table")
    tz = dbt.config.get("local_timezone")
    source = dbt.source("raw", "licence_applications")
    session.execute("SET VARIABLE zhifa_pseudonym_key = ?", [pseudonym_key()])

    def local_date(col: str) -> str:
        return f"cast(timezone('{tz}', {col}) as date)"

    sql = f"""
        select
            application_id,
            unit_code,
            kind as application_kind,
            {pseudonym("licence_no")} as licence_pseudonym,
            division_code,
            {pseudonym("applicant_name")} as applicant_pseudonym,
            {pseudonym("address")} as address_pseudonym,
            lng,
            lat,
            {local_date("received_at")} as received_date,
            {local_date("accepted_at")} as accepted_date,
            cast(coalesce(extension_days, 0) as integer) as extension_days,
            {local_date("decided_at")} as decided_date,
            outcome,
            nullif(trim(refusal_rule), '') as refusal_rule,
            coalesce(trim(late_reason), '') <> '' as has_late_reason,
            {local_date("published_at")} as published_date,
            source as record_source
        from src
    """
    return source.query("src", sql)
