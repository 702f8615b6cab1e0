"""Cases with personal data pseudonymised (party name, ID number, address, licence number).

A Python model so the key never appears in compiled SQL or dbt artifacts: it is read from the environment at
run time and handed to DuckDB as a session variable. Pseudonym = 'P' + 20 hex digits of
sha256(key | sha256(key | value)), so one party keeps one pseudonym across loads and tables.
"""

from zhifa.pseudonym import from_env as pseudonym_key
from zhifa.pseudonym import pseudonym_sql as pseudonym


def model(dbt, session):
    dbt.config(materialized="table")
    tz = dbt.config.get("local_timezone")
    source = dbt.source("raw", "cases")
    session.execute("SET VARIABLE zhifa_pseudonym_key = ?", [pseudonym_key()])

    def local_date(col: str) -> str:
        return f"cast(timezone('{tz}', {col}) as date)"

    sql = f"""
        select
            case_id,
            case_no,
            unit_code,
            violation_code,
            source as case_source,
            discovered_at,
            {local_date("discovered_at")} as discovered_date,
            filed_at,
            {local_date("filed_at")} as filed_date,
            party_type,
            {pseudonym("party_name")} as party_pseudonym,
            {pseudonym("party_id_no", "upper")} as party_id_pseudonym,
            {pseudonym("address")} as address_pseudonym,
            {pseudonym("licence_no")} as licence_pseudonym,
            left(licence_no, 6) as licence_division,
            cast(prior_offences_3y as integer) as prior_offences_3y,
            try_cast(circumstance_tier as integer) as circumstance_tier,
            illegal_amount,
            fine_amount,
            confiscated_value,
            illegal_gains,
            deviation_reason is not null and trim(deviation_reason) <> '' as has_deviation_reason,
            status as case_status,
            decided_at,
            {local_date("decided_at")} as decided_date,
            served_at,
            {local_date("served_at")} as served_date,
            closed_at,
            {local_date("closed_at")} as closed_date,
            archived_at,
            {local_date("archived_at")} as archived_date,
            published_at,
            {local_date("published_at")} as published_date,
            hearing_notified,
            legal_review_done,
            collective_discussion,
            transferred_to,
            cast(extension_days as integer) as extension_days
        from src
    """
    return source.query("src", sql)
