"""Recognised dossier fields, one row per (document, field, occurrence); personal values pseudonymised.

Field names read downstream are listed in docs/metrics.md ("Recognised fields"). The source table may be
absent before recognition has run: the model is then empty with the same columns.
"""

from zhifa.pseudonym import from_env as pseudonym_key

PERSONAL_FIELDS = ("party_name", "party_id_no", "address", "phone", "licence_no")

COLUMNS = """
    document_id, case_id, file_path, doc_type_detected, doc_type_confidence, text_source, field,
    case when field in ({personal}) and nullif(trim(value), '') is not null
         then 'P' || left(sha256(getvariable('zhifa_pseudonym_key') || '|' || sha256(
              getvariable('zhifa_pseudonym_key') || '|' ||
              case when field = 'party_id_no' then upper(trim(value)) else trim(value) end)), 20)
         else value end as value,
    confidence
"""
EMPTY = """
    select null::varchar as document_id, null::varchar as case_id, null::varchar as file_path,
           null::varchar as doc_type_detected, null::double as doc_type_confidence,
           null::varchar as text_source, null::varchar as field, null::varchar as value,
           null::double as confidence
    where false
"""


def model(dbt, session):
    dbt.config(materialized="table")
    session.execute("SET VARIABLE zhifa_pseudonym_key = ?", [pseudonym_key()])
    present = session.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'document_fields'"
    ).fetchall()[0][0]
    if not present:
        return session.sql(EMPTY)
    source = dbt.source("raw", "document_fields")
    personal = ", ".join(f"'{f}'" for f in PERSONAL_FIELDS)
    sql = f"select {COLUMNS.format(personal=personal)} from src"
    return source.query("src", f"select * from ({sql}) union all ({EMPTY})")
