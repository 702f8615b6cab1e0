"""The warehouse and the API give the same outcome for the same facts, unknown facts included.

Warehouse: the dbt Python model ``int_rule_results`` (run here with a stand-in ``dbt`` object over the same
rules, document types and settings, in an in-memory DuckDB) over a typed facts frame. API:
``machine_review.findings_for`` over the facts as the API stores them (JSON: dates as ISO text). Both must
agree rule by rule on the outcome — the API's words (a rule that does not apply is "not checked") — and on
the unknown facts named.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pytest
from dbt_model_support import StandInDbt, load_model
from test_rules import HENAN, _good_dossier

from api.review.services.machine_review import findings_for
from zhifa.reference import load_reference
from zhifa.rules import validate_condition

REF = load_reference()
ON = date(2024, 4, 25)


def _rows() -> list[dict[str, Any]]:
    """The good dossier; an in-progress one without its case (status, violation unknown); and the good
    dossier with the facts the rules read unknown, a sixth of them at a time."""
    good = {**_good_dossier(REF), "case_id": "GOOD"}
    docs = {f"has_{d}": False for d in REF.document_types["doc_type"]}
    upload = {**docs, "case_id": "UPLOAD", "province_code": HENAN, "has_filing_report": True}
    facts = sorted({f for c in REF.review_rules["condition"] if str(c).strip()
                    for f in validate_condition(str(c), _vocab()).facts_used})  # fmt: skip
    groups = [facts[i::6] for i in range(6)]  # every fact unknown in one of six dossiers
    return [
        good,
        upload,
        *({**good, "case_id": f"NULL-{i}", **dict.fromkeys(g)} for i, g in enumerate(groups)),
    ]


def _vocab() -> dict[str, str]:
    from zhifa.rules import facts_vocabulary

    return facts_vocabulary(REF.document_types["doc_type"])


@pytest.fixture(scope="module")
def warehouse() -> dict[tuple[str, str], tuple[str, list[str]]]:
    settings = REF.settings_for(HENAN, ON)
    facts = pd.DataFrame(_rows()).astype(object).assign(settings_version="v1")
    versions = pd.DataFrame(
        {"settings_version": "v1", "key": list(settings), "value": [str(v) for v in settings.values()]}
    )
    tables = {
        "int_dossier_facts": facts,
        "int_review_rules": REF.review_rules,
        "ref_document_types": REF.document_types,
        "int_settings_versions": versions,
    }
    con = duckdb.connect(":memory:")
    # the warehouse's default back-end (its parity with the reference: test_rule_backends)
    dbt = StandInDbt(lambda name: con.from_df(tables[name]), {"rule_backend": "sql"})
    out = load_model("intermediate/int_rule_results.py").model(dbt, con).df()
    con.close()
    return {
        (str(r["case_id"]), str(r["rule_id"])): (
            r["outcome"] if r["outcome"] in ("passed", "failed") else "not_checked",
            [] if pd.isna(r["unknown_facts"]) else str(r["unknown_facts"]).split(","),
        )
        for r in out.to_dict("records")
    }


def _json(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in facts.items()}


@pytest.mark.parametrize("row", _rows(), ids=lambda r: str(r["case_id"]))
def test_api_and_warehouse_agree_on_every_rule(
    row: dict[str, Any], warehouse: dict[tuple[str, str], tuple[str, list[str]]]
) -> None:
    settings = REF.settings_for(HENAN, ON)
    empty = pd.DataFrame(columns=["document_id", "doc_type", "field", "value"])
    findings = findings_for(REF.review_rules, _json(row), settings, empty, {})
    checked = 0
    for f in findings:
        if f["outcome"] == "human":
            continue
        assert (f["outcome"], f["unknown_facts"]) == warehouse[(row["case_id"], f["rule_id"])], f["rule_id"]
        checked += 1
    assert checked == int((REF.review_rules["condition"].str.strip() != "").sum())
    if row["case_id"] == "UPLOAD":  # the reported bug, on both sides: no veto for an unknown status
        assert not any(f["veto"] for f in findings)
        r090 = next(f for f in findings if f["rule_id"] == "R090")
        assert (r090["outcome"], r090["unknown_facts"]) == ("not_checked", ["case_status"])
