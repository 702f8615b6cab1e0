"""The catalogue of major decisions, case by case from the seed's own words (≥ thresholds, levels), and
a province's row replacing the national one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import yaml

from zhifa import major_decisions as md
from zhifa.major_decisions import MajorDecisionFacts, hits, may_review, required_level
from zhifa.reference import load_reference
from zhifa.settings import DBT_PROJECT_DIR

ON = date(2026, 3, 1)


def codes(facts: MajorDecisionFacts, province: str | None = "410000") -> list[str]:
    return [h.code for h in hits(facts, province, ON)]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (MajorDecisionFacts(), []),
        (MajorDecisionFacts(fine_amount=Decimal("49999.99")), []),
        (MajorDecisionFacts(fine_amount=Decimal("50000")), ["LARGE_FINE"]),  # at the threshold itself
        (MajorDecisionFacts(fine_amount=Decimal("200000")), ["LARGE_FINE", "VERY_LARGE_FINE"]),
        (MajorDecisionFacts(goods_value=Decimal("99999.99")), []),
        (MajorDecisionFacts(goods_value=Decimal("100000")), ["LARGE_CONFISCATION"]),
        (MajorDecisionFacts(hearing_held=True), ["HEARING_HELD"]),
        (MajorDecisionFacts(marked_complex=True), ["COMPLEX"]),
        (MajorDecisionFacts(transferring=True), ["TRANSFER"]),
    ],
)
def test_catalogue_hits(facts: MajorDecisionFacts, expected: list[str]) -> None:
    assert codes(facts) == expected


def test_levels_and_discussion() -> None:
    found = hits(MajorDecisionFacts(fine_amount=Decimal("250000"), marked_complex=True), "410000", ON)
    assert required_level(found) == "city"
    assert {h.code for h in found if h.collective_discussion} == {"VERY_LARGE_FINE", "COMPLEX"}
    assert required_level([]) is None
    assert may_review("province", "city") and may_review("city", "city") and not may_review("county", "city")


def test_a_province_row_replaces_the_national_one(monkeypatch: pytest.MonkeyPatch) -> None:
    national = md._rows()
    henan = {**next(r for r in national if r["catalogue_code"] == "COMPLEX"), "province_code": "410000"}
    henan["collective_discussion"], henan["reviewer_level"] = "false", "city"
    monkeypatch.setattr(md, "_rows", lambda: [*national, henan])
    in_henan = hits(MajorDecisionFacts(marked_complex=True), "410000", ON)
    elsewhere = hits(MajorDecisionFacts(marked_complex=True), "130000", ON)
    assert [(h.collective_discussion, h.reviewer_level) for h in in_henan] == [(False, "city")]
    assert [(h.collective_discussion, h.reviewer_level) for h in elsewhere] == [(True, "county")]


def test_entries_before_the_law_do_not_apply() -> None:
    assert hits(MajorDecisionFacts(marked_complex=True), "410000", date(2021, 7, 14)) == []


def _sql_parity_case() -> dict[str, Any]:
    path = DBT_PROJECT_DIR / "models/intermediate/_unit_tests.yml"
    tests = yaml.safe_load(path.read_text(encoding="utf-8"))["unit_tests"]
    return next(t for t in tests if t["name"] == "major_decision_catalogue_parity")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_python_and_sql_apply_the_same_catalogue() -> None:
    """The dbt unit test of int_case_major_decisions.sql (the warehouse's catalogue) and :func:`hits` (the
    API's) over the same cases give the same entries — and the SQL test's catalogue and thresholds are the
    seeds' own, so neither side can drift from the reference data unnoticed."""
    case = _sql_parity_case()
    given = {g["input"]: g["rows"] for g in case["given"]}
    seed = md._rows()
    mocked = [{k: _text(v) for k, v in r.items()} for r in given["ref('ref_major_decisions')"]]
    assert mocked == [{k: str(v) for k, v in r.items()} for r in seed]
    for s in given["ref('int_settings_versions')"]:
        real = load_reference().setting(s["key"], s["province_code"], s["version_start"])
        assert Decimal(s["value"]) == Decimal(str(real)), s["key"]

    states = {r["case_id"]: r for r in given["ref('int_cases')"]}
    python = set()
    for r in given["ref('int_dossier_facts')"]:
        stated = states[r["case_id"]]["illegal_amount"]
        goods = r["base_amount"] if r["base_amount"] is not None else stated
        facts = MajorDecisionFacts(
            fine_amount=None if r["fine_amount"] is None else Decimal(str(r["fine_amount"])),
            goods_value=None if goods is None else Decimal(str(goods)),
            hearing_held=bool(r["hearing_held"]),
            transferring=states[r["case_id"]]["case_status"] == "transferred",
        )
        for h in hits(facts, r["province_code"], r["discovered_date"]):
            python.add((r["case_id"], h.code, h.collective_discussion, h.reviewer_level))
    sql = {
        (e["case_id"], e["catalogue_code"], e["collective_discussion"], e["reviewer_level"])
        for e in case["expect"]["rows"]
    }
    assert python == sql and len(sql) == 7
