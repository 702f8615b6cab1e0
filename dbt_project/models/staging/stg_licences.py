"""Licence versions, personal data pseudonymised (licence number, operator, ID number, address, shop name).

The licence pseudonym is the one stg_cases gives a case's licence and stg_case_item_sprays a spray code's,
so the register joins cases and cartons without the number leaving raw. Python for the same reason as
stg_cases: the key never appears in compiled SQL.
"""

from zhifa.pseudonym import from_env as pseudonym_key
from zhifa.pseudonym import pseudonym_sql as pseudonym


def model(dbt, session):
    dbt.config(materialized="table")
    tz = dbt.config.get("local_timezone")
    source = dbt.source("raw", "licences")
    session.execute("SET VARIABLE zhifa_pseudonym_key = ?", [pseudonym_key()])
    sql = f"""
        select
            {pseudonym("licence_no")} as licence_pseudonym,
            left(licence_no, 6) as licence_division,
            substr(licence_no, 7, 1) = '2' as entity_licence,
            valid_from,
            valid_to,
            unit_code,
            division_code,
            {pseudonym("retailer_name")} as retailer_pseudonym,
            {pseudonym("operator_name")} as operator_pseudonym,
            {pseudonym("operator_id_no", "upper")} as operator_id_pseudonym,
            {pseudonym("address")} as address_pseudonym,
            lng,
            lat,
            coalesce(business_type, 'other') as business_type,
            status as licence_status,
            status_from,
            decision_kind,
            decided_at,
            cast(timezone('{tz}', decided_at) as date) as decided_date,
            application_id,
            source as record_source
        from src
    """
    return source.query("src", sql)
