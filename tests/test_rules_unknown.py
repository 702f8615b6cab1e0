"""Three-valued logic of the rule language: an unknown fact never fails a rule or vetoes a dossier.

Issue #21 item 1: an in-progress dossier uploaded without its captured case (case_status unknown) was graded
不合格 by a veto, because ``CASE WHEN case_status NOT IN (…) THEN NULL ELSE has_penalty_decision END``
takes the ELSE branch on NULL. The evaluator now decides: a verdict that depends on an unknown required input
is ``not_checked``, with the unknown facts as the reason.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pandas as pd
import pytest
from test_rules import HENAN, _good_dossier

from zhifa.reference import load_reference
from zhifa.review_scoring import grade_for, score_after
from zhifa.rule_evaluation import evaluate_rules
from zhifa.rule_probe import null_failures
from zhifa.rules import facts_vocabulary, validate_condition

REF = load_reference()
VOCAB = facts_vocabulary(REF.document_types["doc_type"])
SETTINGS = REF.settings_for(HENAN, date(2024, 4, 25))
MACHINE = REF.review_rules[REF.review_rules["condition"].str.strip() != ""]


def _rule(rule_id: str) -> pd.DataFrame:
    return MACHINE[MACHINE["rule_id"] == rule_id]


def _one(rules: pd.DataFrame, rows: list[dict[str, Any]]) -> pd.DataFrame:
    return evaluate_rules(rules, pd.DataFrame(rows).astype(object), SETTINGS, VOCAB).set_index(
        ["case_id", "rule_id"]
    )


def test_an_in_progress_dossier_without_its_case_is_not_vetoed() -> None:
    """The reported bug: status unknown, no decision, no closing report, violation unknown."""
    docs = {f"has_{d}": False for d in REF.document_types["doc_type"]}
    docs.update(has_filing_report=True, has_inspection_record=True, has_cover=True)
    facts = {**docs, "case_id": "UP1", "province_code": HENAN, "case_status": None, "violation_code": None}
    out = _one(MACHINE, [facts]).loc["UP1"]
    # (R095 needs a fine: no fine known, so it does not apply whatever the status)
    assert out.loc["R095", "outcome"] == "not_applicable"
    for rule_id, fact in (("R090", "case_status"), ("R064", "case_status"), ("R038", "violation_code")):
        assert out.loc[rule_id, "outcome"] == "not_checked", (rule_id, out.loc[rule_id].to_dict())
        assert fact in str(out.loc[rule_id, "unknown_facts"]).split(",")
    assert not out["veto"].any(), out[out["veto"]]
    failed = out[out["outcome"] == "failed"]
    score = score_after(list(failed["deducted_points"]), SETTINGS)
    assert grade_for(score, bool(out["veto"].any()), SETTINGS) != "不合格"
    # the same dossier, status known and decided: the missing decision is a veto again
    decided = _one(_rule("R090"), [{**facts, "case_status": "decided"}]).loc[("UP1", "R090")]
    assert decided["outcome"] == "failed" and decided["veto"]


def test_a_failure_decided_by_known_facts_stands_whatever_the_unknown() -> None:
    good = _good_dossier(REF)
    no_notice = {**good, "case_id": "A", "has_prior_notice": False, "prior_notice_date": None}
    date_unknown = {**good, "case_id": "B", "has_prior_notice": True, "prior_notice_date": None}
    not_sent = {**good, "case_id": "C", "must_transfer_to": "market_regulation", "transferred_to": None,
                "has_transfer_letter": False}  # fmt: skip
    out = _one(MACHINE, [no_notice, date_unknown, not_sent])
    assert out.loc[("A", "R047"), "outcome"] == "failed" and out.loc[("A", "R047"), "veto"]
    assert out.loc[("B", "R047"), "outcome"] == "not_checked"
    assert out.loc[("B", "R047"), "unknown_facts"] == "prior_notice_date"
    assert out.loc[("C", "R059"), "outcome"] == "failed"  # no transfer letter: whatever the unknown target
    letter = _one(_rule("R059"), [{**not_sent, "has_transfer_letter": True}]).loc[("C", "R059")]
    assert letter["outcome"] == "not_checked" and letter["unknown_facts"] == "transferred_to"


def _facts_of(rule: Any) -> list[str]:
    return sorted(validate_condition(str(rule.condition), VOCAB).facts_used)


CASES = [(r.rule_id, f) for r in MACHINE.itertuples() for f in _facts_of(r)]


def _null_rows(rule_id: str, fact: str) -> tuple[list[dict[str, Any]], int, int]:
    """Rows for one (rule, fact): the good dossier with the fact NULL (id ``…|good``), and variants (the
    rule's other facts NULL; its other boolean facts flipped) each with the fact NULL (``…|i|null``) and at
    each of its known values (``…|i|j``)."""
    good = _good_dossier(REF)
    used = validate_condition(str(_rule(rule_id)["condition"].iloc[0]), VOCAB).facts_used
    key = f"{rule_id}|{fact}"
    booleans = sorted(f for f in used if VOCAB[f] == "BOOLEAN" and f != fact)[:4]
    variants = [{**good, **dict.fromkeys(used - {fact})}]
    variants += [{**good, **dict(zip(booleans, v, strict=True))}
                 for v in itertools.product([True, False], repeat=len(booleans))]  # fmt: skip
    values = [good.get(fact), *([True, False] if VOCAB[fact] == "BOOLEAN" else [])]
    rows = [{**good, "case_id": f"{key}|good", fact: None}]
    rows += [{**v, "case_id": f"{key}|{i}|null", fact: None} for i, v in enumerate(variants)]
    rows += [{**v, "case_id": f"{key}|{i}|{j}", fact: x}
             for i, v in enumerate(variants) for j, x in enumerate(values)]  # fmt: skip
    return rows, len(variants), len(values)


@pytest.fixture(scope="module")
def null_outcomes() -> dict[tuple[str, str], str]:
    """Every (rule, fact) case's rows, evaluated in one go: (case_id, rule_id) → outcome (and vetoes)."""
    rows = [row for rule_id, fact in CASES for row in _null_rows(rule_id, fact)[0]]
    out = evaluate_rules(MACHINE, pd.DataFrame(rows).astype(object), SETTINGS, VOCAB)
    outcome = out["outcome"].where(~out["veto"], "veto")
    return dict(zip(zip(out["case_id"], out["rule_id"], strict=True), outcome, strict=True))


@pytest.mark.parametrize(("rule_id", "fact"), CASES, ids=[f"{r}-{f}" for r, f in CASES])
def test_every_shipped_rule_with_a_fact_unknown_never_fails(
    rule_id: str, fact: str, null_outcomes: dict[tuple[str, str], str]
) -> None:
    """Each fact of each seeded rule set to NULL: on the good dossier (which passes every rule) never failed,
    never a veto; on the variants a failure only where the dossier fails whatever the fact's value — never
    one the unknown caused."""
    key = f"{rule_id}|{fact}"
    _, n_variants, n_values = _null_rows(rule_id, fact)
    assert null_outcomes[(f"{key}|good", rule_id)] not in ("failed", "veto")
    for i in range(n_variants):
        if null_outcomes[(f"{key}|{i}|null", rule_id)] in ("failed", "veto"):
            known = [null_outcomes[(f"{key}|{i}|{j}", rule_id)] for j in range(n_values)]
            assert all(o in ("failed", "veto") for o in known), (i, known)


@pytest.mark.parametrize("rule_id", list(MACHINE["rule_id"]))
def test_no_shipped_rule_turns_an_unknown_into_a_failure(rule_id: str) -> None:
    """The rule editor's probe (sample dossiers in DuckDB, each fact set to NULL) finds nothing to warn
    about in the seed."""
    condition = str(_rule(rule_id)["condition"].iloc[0])
    assert null_failures(condition, VOCAB, SETTINGS) == []


@pytest.mark.parametrize(
    ("condition", "warned"),
    [
        ("CASE WHEN case_status IS NULL THEN FALSE ELSE TRUE END", ["case_status"]),
        ("coalesce(fine_amount, 0) > 10", ["fine_amount"]),
        ("coalesce(has_prior_notice, FALSE) AND n_officers >= 2", ["has_prior_notice"]),
        ("CASE WHEN case_status NOT IN ('closed') THEN NULL ELSE has_closing_report END", []),
        ("n_officers >= setting('officers_min')", []),
        ("CASE WHEN coalesce(extension_days, 0) = 0 THEN NULL ELSE has_extension_approval END", []),
    ],
)
def test_the_probe_names_facts_whose_null_means_failure(condition: str, warned: list[str]) -> None:
    assert null_failures(condition, VOCAB, SETTINGS) == warned


def test_a_verdict_given_despite_an_unknown_holds_for_every_value_of_it() -> None:
    """Soundness of the three-valued analysis, by brute force on a few rules: wherever the evaluator gives a
    verdict with required facts NULL, the condition gives that same verdict for every sample value of them."""
    good = _good_dossier(REF)
    domains: dict[str, list[Any]] = {
        "has_prior_notice": [True, False, None],
        "prior_notice_date": [date(2024, 4, 1), date(2024, 5, 1), None],
        "decision_date": [date(2024, 4, 25), None],
        "case_status": ["registered", "decided", "closed", None],
        "has_penalty_decision": [True, False, None],
        "has_closing_report": [True, False, None],
        "fine_amount": [0.0, 480.0, 700.0, None],
        "has_payment_receipt": [True, False, None],
    }
    names = list(domains)
    rows = [{**good, "case_id": str(i), **dict(zip(names, v, strict=True))}
            for i, v in enumerate(itertools.product(*domains.values()))]  # fmt: skip
    rules = MACHINE[MACHINE["rule_id"].isin(["R047", "R064", "R090", "R095"])]
    out = _one(rules, rows).reset_index()
    raw = {
        (r["case_id"], r["rule_id"]): r["outcome"] for r in out.to_dict("records")
    }  # verdicts of complete rows
    index = {tuple(v): str(i) for i, v in enumerate(itertools.product(*domains.values()))}
    checked = 0
    for values, case in index.items():
        unknown = [n for n, v in zip(names, values, strict=True) if v is None]
        if not unknown:
            continue
        for rule_id in rules["rule_id"]:
            verdict = raw[(case, rule_id)]
            if verdict not in ("passed", "failed"):
                continue
            fills = itertools.product(*[[x for x in domains[n] if x is not None] for n in unknown])
            for fill in fills:
                full = dict(zip(names, values, strict=True)) | dict(zip(unknown, fill, strict=True))
                other = raw[(index[tuple(full[n] for n in names)], rule_id)]
                assert other in (verdict, "not_checked"), (rule_id, values, fill, verdict, other)
                checked += 1
    assert checked > 100
