"""Rule condition language: validation, compilation and evaluation of the seeded review rules."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from zhifa.reference import ReferenceData, load_reference
from zhifa.rule_evaluation import evaluate_rules
from zhifa.rules import RuleConditionError, compile_condition, facts_vocabulary, validate_condition

HENAN = "410000"


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return load_reference()


@pytest.fixture(scope="module")
def vocab(ref: ReferenceData) -> dict[str, str]:
    return facts_vocabulary(ref.document_types["doc_type"])


def _good_dossier(ref: ReferenceData) -> dict[str, object]:
    """A complete, correct non-designated-source case in Henan: 6,000 yuan bought, fine 8% (tier 3)."""
    docs = {f"has_{d}": True for d in ref.document_types["doc_type"]}
    docs.update(has_extension_approval=False, has_transfer_letter=False, has_withdrawal=False)
    return {
        **docs,
        "case_id": "C410122202400001",
        "province_code": HENAN,
        "violation_code": "NON_DESIGNATED_SOURCE",
        "case_status": "closed",
        "case_source": "inspection",
        "n_officers": 2,
        "n_officers_certified": 2,
        "n_inquiry_officers_min": 2,
        "party_values_distinct": 1,
        "licence_division_matches_unit": True,
        "cause": "涉嫌未在当地烟草专卖批发企业进货",
        "cause_values_distinct": 1,
        "discovered_date": date(2024, 3, 1),
        "inspection_date": date(2024, 3, 1),
        "filing_date": date(2024, 3, 4),
        "preservation_date": date(2024, 3, 1),
        "preservation_approval_date": date(2024, 3, 1),
        "handler_opinion_date": date(2024, 4, 1),
        "dept_opinion_date": date(2024, 4, 2),
        "head_opinion_date": date(2024, 4, 3),
        "legal_review_date": date(2024, 4, 8),
        "head_approval_date": date(2024, 4, 10),
        "hearing_notice_date": date(2024, 4, 12),
        "prior_notice_date": date(2024, 4, 12),
        "decision_date": date(2024, 4, 25),
        "closing_date": date(2024, 5, 20),
        "archive_date": date(2024, 5, 30),
        "filed_days_after_discovery": 3,
        "preservation_handling_days": 6,
        "decision_days_after_filing": 52,
        "service_days_after_decision": 1,
        "publication_working_days": 3,
        "extension_days": 0,
        "video_upload_hours_max": 5.0,
        "preserved": True,
        "hearing_requested": False,
        "hearing_held": False,
        "transferred_to": "",  # known: not transferred (NULL would be unknown)
        "ownerless": False,
        "base_amount": 6000.0,
        "fine_amount": 480.0,
        "sticks_total": 16000.0,
        "statutory_min_amount": 300.0,
        "statutory_max_amount": 600.0,
        "chosen_tier": 3,
        "benchmark_tier": 3,
        "tier_rate_min": 0.08,
        "tier_rate_max": 0.10,
        "has_deviation_reason": False,
        "deviation_approved": False,
        "valuation_line_nos_consecutive": True,
        "valuation_items_match_preservation": True,
        "valuation_prices_match_catalog": True,
        "valuation_subtotals_ok": True,
        "valuation_signatures": 2,
        "cover_no": "2024年度乐烟第12号",
        "retention": "永久",
        "documents_in_order": True,
        "pages_numbered": True,
        "doc_numbers_ok": True,
        "service_receipts_missing": 0,
        "decision_states_remedies": True,
        "decision_states_payment_terms": True,
        "decision_cites_legal_basis": True,
    }


def _evaluate(ref: ReferenceData, vocab: dict[str, str], rows: list[dict[str, object]]) -> pd.DataFrame:
    settings = ref.settings_for(HENAN, date(2024, 4, 25))
    return evaluate_rules(ref.review_rules, pd.DataFrame(rows), settings, vocab).set_index(
        ["case_id", "rule_id"]
    )


def test_every_seeded_condition_validates_and_compiles(ref: ReferenceData, vocab: dict[str, str]) -> None:
    settings = ref.settings_for(None)
    with_condition = ref.review_rules[ref.review_rules["condition"] != ""]
    assert len(with_condition) >= 30
    for rule in with_condition.itertuples():
        sql = compile_condition(validate_condition(str(rule.condition), vocab), settings)
        assert "setting(" not in sql.lower(), rule.rule_id


def test_good_dossier_passes_every_machine_rule(ref: ReferenceData, vocab: dict[str, str]) -> None:
    out = _evaluate(ref, vocab, [_good_dossier(ref)])
    failed = out[out["passed"].eq(False).fillna(False)]
    assert failed.empty, failed
    assert out["deducted_points"].sum() == 0 and not out["veto"].any()
    # rules that do not apply to this case come out as NA, not as passed
    assert out.loc[("C410122202400001", "R038"), "passed"] is pd.NA  # not a counterfeit case
    assert out.loc[("C410122202400001", "R046"), "passed"] is pd.NA  # no extension
    assert out.loc[("C410122202400001", "R048"), "passed"] is pd.NA  # 480 yuan is below the hearing threshold


def test_known_failures(ref: ReferenceData, vocab: dict[str, str]) -> None:
    good = _good_dossier(ref)
    one_officer = {**good, "case_id": "A", "n_officers": 1, "n_officers_certified": 1}
    late = {**good, "case_id": "B", "filed_days_after_discovery": 8, "preservation_handling_days": 9}
    wrong_cover = {
        **good,
        "case_id": "C",
        "cover_no": "乐烟第12号",
        "retention": "30年",
        "cause": "未在当地进货",
    }
    over_range = {**good, "case_id": "D", "fine_amount": 700.0}
    dates = {
        **good,
        "case_id": "E",
        "hearing_notice_date": date(2024, 4, 13),
        "head_approval_date": date(2024, 4, 26),
    }
    transfer = {
        **good,
        "case_id": "F",
        "violation_code": "UNLICENSED_RETAIL",
        "must_transfer_to": "market_regulation",
    }
    criminal = {**good, "case_id": "G", "base_amount": 60000.0, "statutory_min_amount": 3000.0,
                "statutory_max_amount": 6000.0, "fine_amount": 4800.0}  # fmt: skip
    big_fine = {**good, "case_id": "H", "fine_amount": 40000.0, "has_hearing_notice": False}
    out = _evaluate(
        ref, vocab, [one_officer, late, wrong_cover, over_range, dates, transfer, criminal, big_fine]
    )

    def status(case: str, rule: str) -> bool | None:
        value: Any = out.loc[(case, rule), "passed"]
        return None if value is pd.NA else bool(value)

    # two-officer and certificate rules are veto items (DOMAIN §8)
    assert status("A", "R011") is False and status("A", "R012") is False and out.loc[("A", "R011"), "veto"]
    # filing 8 days after discovery breaks the 7-day limit; preservation handled on day 9 > 7
    assert status("B", "R041") is False and status("B", "R044") is False
    assert out.loc[("B", "R044"), "deducted_points"] == 3
    assert status("C", "R002") is False and status("C", "R003") is False and status("C", "R021") is False
    assert status("D", "R080") is False and out.loc[("D", "R080"), "veto"]  # 700 > 10% of 6000 + 1
    assert status("D", "R081") is False  # and outside tier 3 (8–10%)
    assert status("E", "R049") is False and status("E", "R053") is False
    assert status("F", "R059") is False and out.loc[("F", "R059"), "veto"]
    assert status("G", "R060") is False  # 60,000 yuan ≥ 50,000 criminal threshold, not sent to police
    assert status("G", "R052") is True  # serious case with a collective discussion record
    # Henan's hearing threshold is 30,000 (national 50,000): a 40,000 fine needs the hearing notice there
    assert status("H", "R048") is False


def test_hearing_threshold_follows_province_settings(ref: ReferenceData, vocab: dict[str, str]) -> None:
    case = {**_good_dossier(ref), "fine_amount": 40000.0, "has_hearing_notice": False}
    national = evaluate_rules(ref.review_rules, pd.DataFrame([case]), ref.settings_for(None), vocab)
    assert national.set_index("rule_id").loc["R048", "passed"] is pd.NA  # 40,000 ≤ 50,000: not applicable


def test_missing_facts_make_rules_not_applicable(ref: ReferenceData, vocab: dict[str, str]) -> None:
    out = evaluate_rules(ref.review_rules, pd.DataFrame([{"case_id": "X"}]), ref.settings_for(None), vocab)
    assert set(out.columns) == {
        "case_id", "rule_id", "passed", "deducted_points", "veto", "outcome", "unknown_facts"
    }  # fmt: skip
    assert len(out) == (ref.review_rules["condition"] != "").sum()
    assert not out["outcome"].isin(["passed", "failed"]).any() and not out["veto"].any()
    assert out["passed"].isna().all()


@pytest.mark.parametrize(
    ("expr", "token"),
    [
        ("1; DROP TABLE x", "';'"),
        ("(SELECT 1)", "SELECT"),
        ("n_officers IN (SELECT 1)", "SELECT"),
        ("no_such_fact > 1", "no_such_fact"),
        ("read_csv('x') IS NULL", "read_csv"),
        ("sleep(n_officers) > 0", "sleep"),
        ("f.n_officers > 1", "f.n_officers"),
        ("setting(cause) = 1", "setting"),
        ("*", "Star"),
        ("", "''"),
    ],
)
def test_rejections_name_the_token(expr: str, token: str, vocab: dict[str, str]) -> None:
    with pytest.raises(RuleConditionError) as info:
        validate_condition(expr, vocab)
    message = str(info.value)
    assert token in message
    assert " / " in message and any("\u4e00" <= ch <= "\u9fff" for ch in message)  # Chinese and English


def test_compile_quotes_text_settings(vocab: dict[str, str]) -> None:
    v = validate_condition("starts_with(cause, setting('prefix')) AND n_officers >= setting('n')", vocab)
    assert v.settings_used == {"prefix", "n"} and v.facts_used == {"cause", "n_officers"}
    sql = compile_condition(v, {"prefix": "it's", "n": 2.0})
    assert "'it''s'" in sql and ">= 2" in sql
    with pytest.raises(RuleConditionError, match="unknown setting"):
        compile_condition(v, {"n": 2.0})
