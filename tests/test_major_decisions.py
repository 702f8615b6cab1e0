"""The catalogue of major decisions, case by case from the seed's own words (≥ thresholds, levels), and
a province's row replacing the national one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from zhifa import major_decisions as md
from zhifa.major_decisions import MajorDecisionFacts, hits, may_review, required_level

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
