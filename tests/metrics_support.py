"""The demo warehouse the metrics tests build and score (tests/test_metrics.py): hand-made bad cases added
to the world, the text-layer dossiers recognised, dbt run in a subprocess, and what the tests compare with
(checksums of the marts, a licence's pseudonym computed independently)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import scorecard_checks

from ingestion.recognition import recognise_folder
from zhifa.settings import DBT_PROJECT_DIR

# bad input added to the world: case suffix → (expected reason_code, how the case is spoiled)
BAD_CASES = {
    "BADPRICE": "MISSING_PRICE",  # discovered before any catalog price was valid
    "BADPROD": "UNKNOWN_PRODUCT",  # a valid EAN-13 that is in no catalog
    "BADZERO": "ZERO_AMOUNT",  # every quantity zero
    "BADTIER": "NO_TIER",  # a violation without benchmark tiers
    "BADITEMS": "NO_ITEMS",  # no seized goods at all
    "BADFINE": "NO_FINE",  # decided without a fine amount
}


@dataclass
class Built:
    db: Path
    target: Path
    truth: dict[str, Any]
    truth_cases: pd.DataFrame
    recognised_cases: set[str]
    build_ok: bool
    build_log: str
    moved: scorecard_checks.MovedOfficer

    def df(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return con.execute(sql, params or []).df()
        finally:
            con.close()


def add_bad_cases(con: duckdb.DuckDBPyConnection) -> None:
    """Six decided cases of one existing unit, each broken in one way the marts must report, not hide."""
    unit, officer, product = con.execute(
        "select c.unit_code, o.officer_id, (select min(product_code) from raw.products) "
        "from raw.cases c join raw.case_officers o using (case_id) where o.role = 'lead' limit 1"
    ).fetchall()[0]
    first_price = con.execute("select min(valid_from) from raw.prices").fetchall()[0][0]
    for suffix, _ in BAD_CASES.items():
        case_id = f"C{unit}2099{suffix}"
        year = first_price.year - 1 if suffix == "BADPRICE" else 2024
        discovered = f"{year}-06-01 10:00:00+08"
        violation = "SALE_TO_MINORS" if suffix == "BADTIER" else "NON_DESIGNATED_SOURCE"
        fine = None if suffix == "BADFINE" else 500.0
        con.execute(
            "insert into raw.cases (case_id, unit_code, violation_code, discovered_at, filed_at, status, "
            "decided_at, fine_amount, illegal_amount, prior_offences_3y) values (?, ?, ?, ?::timestamptz, "
            "?::timestamptz + interval 1 day, 'decided', ?::timestamptz + interval 30 day, ?, 1000.0, 0)",
            [case_id, unit, violation, discovered, discovered, discovered, fine],
        )
        con.execute(
            "insert into raw.case_officers (case_id, officer_id, role) values (?, ?, 'lead')",
            [case_id, officer],
        )
        if suffix == "BADITEMS":
            continue
        barcode = "6901028999996" if suffix == "BADPROD" else None
        con.execute(
            "insert into raw.case_items (case_id, line_no, barcode, product_code, quantity, quantity_unit) "
            "values (?, 1, ?, ?, ?, 'carton')",
            [case_id, barcode, None if barcode else product, 0.0 if suffix == "BADZERO" else 5.0],
        )


def recognise(con: duckdb.DuckDBPyConnection, world: Path) -> set[str]:
    """Fill raw.document_fields from the text-layer and Word files unless the loader already did."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'document_fields'"
    ).fetchall()[0][0]
    if exists and con.execute("select count(*) from raw.document_fields").fetchall()[0][0]:
        return {r[0] for r in con.execute("select distinct case_id from raw.document_fields").fetchall()}
    docs = con.execute(
        "select document_id, case_id, file_path from raw.documents where file_path is not null"
    ).df()
    docs = docs[~docs["file_path"].str.lower().str.endswith((".png", ".jpg", ".jpeg"))]
    fields = recognise_folder(world, docs).fields
    con.execute("create or replace table raw.document_fields as select * from fields")
    return set(fields["case_id"])


def run_dbt(args: list[str], target: Path, env: dict[str, str]) -> tuple[bool, str]:
    """dbt in a subprocess (an in-process run keeps its DuckDB handle open and locks the file)."""
    project = str(DBT_PROJECT_DIR)
    dbt = Path(sys.executable).with_name("dbt")
    common = ["--project-dir", project, "--profiles-dir", project, "--target-path", str(target)]
    done = subprocess.run(
        [str(dbt), *args, *common, "--log-path", str(target / "logs")],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0, (done.stdout + done.stderr)[-6000:]


def licence_pseudonym(value: str, key: str = "test-key-metrics") -> str:
    """stg_licences' pseudonym, computed here: 'P' + 20 hex of sha256(key | sha256(key | value))."""
    inner = hashlib.sha256(f"{key}|{value}".encode()).hexdigest()
    return "P" + hashlib.sha256(f"{key}|{inner}".encode()).hexdigest()[:20]


def mart_checksums(db: Path) -> dict[str, tuple[int, str]]:
    """Every table of the marts schema (and the machine review itself): row count and the md5 of its rows as
    text, sorted — independent of row order. Doubles to 1e-9: a mart summing doubles (the scorecards' means)
    sums them in the order its input rows happen to come in, which may move the last bit."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' "
            "and (table_schema = 'marts' or table_name = 'int_rule_results') order by all"
        ).fetchall()
        sums = {}
        for schema, name in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            ).fetchall()
            row = ", ".join(f'round("{c}", 9)' if t in ("DOUBLE", "FLOAT") else f'"{c}"' for c, t in columns)
            sums[f"{schema}.{name}"] = con.execute(
                f"select count(*), md5(coalesce(string_agg(r, chr(10) order by r), '')) "
                f'from (select cast(row({row}) as varchar) as r from "{schema}"."{name}")'
            ).fetchall()[0]
        return sums
    finally:
        con.close()
