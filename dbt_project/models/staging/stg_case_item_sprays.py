"""The retailer each sprayed carton was sold to: the spray code's licence (DOMAIN.md §5) as its pseudonym, and
the carton's sorting date. Line 1 of the code carries only the year's last digit: the year is the latest one
with that digit not after the case's discovery (a carton is sorted before it is seized)."""

from zhifa.pseudonym import from_env as pseudonym_key
from zhifa.pseudonym import pseudonym_sql as pseudonym


def model(dbt, session):
    dbt.config(materialized="table")
    tz = dbt.config.get("local_timezone")
    items = dbt.source("raw", "case_items")
    dbt.source("raw", "cases")  # read below by name (a relation query sees one view): declared for lineage
    session.execute("SET VARIABLE zhifa_pseudonym_key = ?", [pseudonym_key()])
    sql = f"""
        with coded as (
            select i.case_id, i.line_no, i.spray_code,
                   cast(timezone('{tz}', c.discovered_at) as date) as discovered_date
            from items as i
            join raw.cases as c on c.case_id = i.case_id
            where length(trim(i.spray_code)) = 32
              and regexp_full_match(substr(trim(i.spray_code), 1, 16), '[0-9]+')
              and regexp_full_match(substr(trim(i.spray_code), 17, 4), '[A-Za-z]+')
              and regexp_full_match(substr(trim(i.spray_code), 21, 12), '[0-9]+')
        ),
        parts as (
            select *,
                   substr(trim(spray_code), 21, 12) as licence_no,
                   cast(substr(trim(spray_code), 1, 1) as integer) as year_digit,
                   cast(substr(trim(spray_code), 2, 2) as integer) as sort_month,
                   cast(substr(trim(spray_code), 4, 2) as integer) as sort_day
            from coded
        ),
        dated as (
            select *,
                   try_cast(make_date(
                       year(discovered_date) - ((year(discovered_date) % 10 - year_digit + 10) % 10),
                       sort_month, sort_day) as date) as sorted_date
            from parts
            where sort_month between 1 and 12 and sort_day between 1 and 31
        )
        select
            case_id,
            line_no,
            {pseudonym("licence_no")} as spray_licence_pseudonym,
            left(licence_no, 6) as spray_division,
            -- a sorting date after the seizure is a year too late: the carton is from the year before
            case when sorted_date > discovered_date then cast(sorted_date - interval 10 year as date)
                 else sorted_date end
                as sorted_date
        from dated
    """
    return items.query("items", sql)
