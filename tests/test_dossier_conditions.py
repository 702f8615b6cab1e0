"""The dossier conditions (zhifa/dossier_conditions.py) against the warehouse's int_case_conditions.sql:
the model's dbt unit test (int_case_conditions.yml, run by every `dbt build`) is replayed here through the
Python function the API's archive check uses, so SQL and Python give the same conditions on the same
cases — at the hearing threshold, an unapproved extension, a collective discussion before the decision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

from zhifa.dossier_conditions import CONDITIONS, ConditionFacts, conditions
from zhifa.settings import DBT_PROJECT_DIR

# the warehouse model calls the preservation condition by its adjective
SQL_COLUMN = {name: ("preserved" if name == "preservation" else name) for name in CONDITIONS}


def _unit_test() -> dict[str, Any]:
    path = DBT_PROJECT_DIR / "models/intermediate/int_case_conditions.yml"
    return next(t for t in yaml.safe_load(path.read_text(encoding="utf-8"))["unit_tests"])


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _facts(
    case: dict[str, Any], setting: dict[str, Any], approval: dict[str, Any], docs: set[str]
) -> ConditionFacts:
    status = case["case_status"]
    return ConditionFacts(
        preserved=bool(approval.get("preservation_requested"))
        or bool(docs & {"preservation_approval", "preservation_notice"}),
        decided=case["decided_at"] is not None,
        fine_amount=_decimal(case["fine_amount"]),
        hearing_threshold=_decimal(setting.get("hearing_fine_threshold")),
        extension_days=int(case["extension_days"] or 0),
        extension_approved=approval.get("extension_approval_date") is not None,
        collective_discussion=bool(case["collective_discussion"]),
        transferred=status == "transferred" or case["transferred_to"] is not None,
        withdrawn=status == "withdrawn",
        report_source=case["case_source"] == "report",
        closed=status == "closed" or case["closed_at"] is not None,
    )


def test_python_and_sql_derive_the_same_conditions() -> None:
    test = _unit_test()
    given = {g["input"]: g["rows"] for g in test["given"]}
    settings = {r["case_id"]: r for r in given["ref('int_case_settings')"]}
    approvals = {r["case_id"]: r for r in given["ref('int_case_approvals')"]}
    documents: dict[str, set[str]] = {}
    for d in given["ref('int_case_documents')"]:
        documents.setdefault(d["case_id"], set()).add(d["doc_type"])
    python = {
        case["case_id"]: conditions(
            _facts(
                case,
                settings.get(case["case_id"], {}),
                approvals.get(case["case_id"], {}),
                documents.get(case["case_id"], set()),
            )
        )
        for case in given["ref('int_cases')"]
    }
    sql = {
        row["case_id"]: frozenset(name for name in CONDITIONS if row[SQL_COLUMN[name]])
        for row in test["expect"]["rows"]
    }
    assert python == sql
    # every condition is met by some case and missed by another, so each branch is compared
    assert all(any(name in met for met in sql.values()) for name in CONDITIONS)
    assert all(any(name not in met for met in sql.values()) for name in CONDITIONS)


def test_the_conditions_are_the_document_types_vocabulary() -> None:
    from zhifa.reference import load_reference

    vocabulary = set(load_reference().document_types["required_when"]) - {"always", "never"}
    assert vocabulary == set(CONDITIONS)
