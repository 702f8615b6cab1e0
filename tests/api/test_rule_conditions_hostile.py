"""Issue #12 §2.9: rule conditions that validate but fail at run time, deeply nested ones, and null edits.

Validation evaluates the condition on a typed sample dossier; depth and length are capped before parsing;
a dry run reports the dossiers a condition fails on as findings (never a 500); PATCH with null for a field
every rule needs is a 422."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from review_support import add_users, bearer
from sqlalchemy import select

from api.models import Dossier, MachineReview, ReviewRule, User

# two officers make the modulo divide by zero at run time; the typed sample (1 officer) lets it validate
DIVIDING = "10 % (n_officers - 2) = 0"
FACTS: dict[str, dict[str, Any]] = {
    "CDIV0001": {"n_officers": 3},  # 10 % 1 = 0: passes
    "CDIV0002": {"n_officers": 5},  # 10 % 3 = 1: fails
    "CDIV0003": {"n_officers": 2},  # division by zero
    "CDIV0004": {"n_officers": None},  # not checked: its one input unknown
}


@pytest.fixture
def quality(app: Any) -> dict[str, str]:
    return bearer(add_users(app, [("quality", "410000", ["quality"])])["quality"])


def _rule(**over: Any) -> dict[str, Any]:
    return {
        "category": "discretion",
        "name_zh": "罚款倍数",
        "condition": "n_officers >= 2",
        "deduct_points": 2,
    } | over


def _plant(app: Any) -> None:
    stamp = datetime(2024, 6, 1, 8, 0)
    with app.state.sessionmaker() as s:
        uploader = s.scalar(select(User.id).where(User.username == "li"))
        for case_id, facts in FACTS.items():
            d = Dossier(
                case_id=case_id, unit_code="410122", decided_on=date(2024, 5, 20), uploaded_by=uploader,
                created_at=stamp, updated_at=stamp,
            )  # fmt: skip
            s.add(d)
            s.flush()
            s.add(
                MachineReview(
                    dossier_id=d.dossier_id, rule_set_version=0, facts={**facts, "province_code": "410000"},
                    findings=[], total_score=Decimal("100"), grade="优秀", n_checked=0, n_failed=0,
                    n_needs_human=0, duration_ms=1, created_at=stamp,
                )
            )  # fmt: skip
        s.commit()


@pytest.mark.parametrize(
    ("condition", "says"),
    [
        ("(" * 1500 + "n_officers > 1" + ")" * 1500, "nested"),
        ("NOT " * 900 + "preserved", "nested"),
        ("n_officers > 1 AND " * 300 + "preserved", "4000"),
        ("CAST(cause AS INTEGER) > 0", "cannot be evaluated"),  # fine on NULL, fails on any real cause
        ("decision_date + cause > filing_date", "cannot be evaluated"),
    ],
)
def test_conditions_refused_at_validation(
    client: TestClient, quality: dict[str, str], condition: str, says: str
) -> None:
    for path, body in (
        ("/review-rules", _rule(condition=condition)),
        ("/review-rules/dry-run", {"condition": condition}),
    ):
        r = client.post(path, json=body, headers=quality)
        assert r.status_code == 422, (path, r.status_code, r.text[:300])
        assert says in r.json()["message"], r.json()["message"][:300]


def test_dry_run_reports_dossiers_a_condition_fails_on(
    client: TestClient, app: Any, quality: dict[str, str]
) -> None:
    _plant(app)
    r = client.post("/review-rules/dry-run", json={"condition": DIVIDING}, headers=quality)
    assert r.status_code == 200, r.text
    out = r.json()
    counts = ("population", "n_pass", "n_fail", "n_not_applicable", "n_not_checked", "n_error")
    assert tuple(out[k] for k in counts) == (4, 1, 1, 0, 1, 1)  # CDIV0004: its officers unknown
    assert [e["case_id"] for e in out["errors"]] == ["CDIV0003"]
    assert "zero" in out["errors"][0]["error"].lower()
    # a stored draft saved before the check (or against other facts) dry-runs the same way
    with app.state.sessionmaker() as s:
        creator = s.scalar(select(User.id).where(User.username == "quality"))
        s.add(
            ReviewRule(
                rule_id="QDIV", version=1, active=False, origin="api", created_by=creator,
                created_at=datetime(2024, 6, 1), category="discretion", name_zh="倍数", condition=DIVIDING,
                deduct_points=Decimal(1), veto=False, needs_human=False,
            )
        )  # fmt: skip
        s.commit()
    r = client.post("/review-rules/dry-run", json={"rule_id": "QDIV"}, headers=quality)
    assert r.status_code == 200 and r.json()["n_error"] == 1, r.text


def test_patch_with_null_for_a_required_field(client: TestClient, quality: dict[str, str]) -> None:
    rule_id = client.post("/review-rules", json=_rule(), headers=quality).json()["rule_id"]
    for field in ("deduct_points", "name_zh", "category", "veto", "needs_human"):
        r = client.patch(f"/review-rules/{rule_id}", json={field: None}, headers=quality)
        assert r.status_code == 422, (field, r.text)
        assert field in r.json()["message"]
    r = client.patch(
        f"/review-rules/{rule_id}", json={"deduct_points": 3, "description_zh": None}, headers=quality
    )
    assert r.status_code == 200 and r.json()["latest_version"] == 2, r.text


def test_rule_text_is_capped(client: TestClient, quality: dict[str, str]) -> None:
    long = "很长的说明" * 1000  # 5,000 characters
    for field in ("description_zh", "legal_basis"):
        r = client.post("/review-rules", json=_rule(**{field: long}), headers=quality)
        assert r.status_code == 422 and field in r.json()["message"], r.text[:300]
