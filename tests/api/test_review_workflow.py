"""Review tasks through HTTP on the real app (SQLite and PostgreSQL): pool exclusion, claim cap, lease
expiry, the human review's score against an independent computation, re-review → arbitration, and the
final-score rule (docs/review-workflow.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from review_support import Finding, add_dossier, add_users, bearer, seed_rules, seed_setting
from sqlalchemy import update

from api.core import refdata
from api.models import Dossier, ReviewTask
from zhifa import clock
from zhifa.reference import load_reference

FINDINGS = [
    Finding("R001", "failed"),  # 2 points
    Finding("R002", "failed"),  # 0.5
    Finding("R003", "passed"),
    Finding("R014", "human"),  # 2, a human checks it
    Finding("R010", "human"),  # veto, a human checks it
]


@pytest.fixture
def ids(app: Any) -> dict[str, int]:
    return add_users(app)


@pytest.fixture
def h(ids: dict[str, int]) -> Any:
    return lambda name: bearer(ids[name])


def _publish(client: TestClient, h: Any, dossier_ids: list[int], mode: str = "pool") -> list[int]:
    r = client.post("/review-tasks", json={"dossier_ids": dossier_ids, "mode": mode}, headers=h("quality"))
    assert r.status_code == 201, r.text
    return [t["task_id"] for t in r.json()]


def _pool(client: TestClient, h: Any, who: str) -> set[str]:
    r = client.get("/review-tasks/pool", headers=h(who))
    assert r.status_code == 200, r.text
    return {item["dossier"]["unit_code"] for item in r.json()}


def _override(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """A bureau's own settings for Henan, layered on the seed like CONTRACT.md's optional tables."""
    rows = [
        {"province_code": "410000", "key": k, "value": v, "valid_from": "2015-01-01"}
        for k, v in values.items()
    ]
    overridden = load_reference().with_overrides(settings=pd.DataFrame(rows))
    monkeypatch.setattr(refdata, "reference", lambda: overridden)


def _three_units(app: Any, ids: dict[str, int]) -> list[int]:
    return [
        add_dossier(app, f"C{unit}-1", unit, uploader=ids["quality"], findings=FINDINGS)
        for unit in ("410122", "410100", "410200")
    ]


def test_pool_excludes_own_unit_and_parent_per_setting(
    app: Any, client: TestClient, ids: dict[str, int], h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dossiers = _three_units(app, ids)
    tasks = _publish(client, h, dossiers)
    assert len(tasks) == 3
    again = client.post("/review-tasks", json={"dossier_ids": dossiers[:1]}, headers=h("quality"))
    assert again.status_code == 409 and again.json()["code"] == "TASK_EXISTS"

    assert _pool(client, h, "r_county") == {"410100", "410200"}
    assert _pool(client, h, "r_city") == {"410122", "410200"}
    assert _pool(client, h, "r_kf") == {"410122", "410100"}
    r = client.post(f"/review-tasks/{tasks[0]}/claim", headers=h("r_county"))
    assert r.status_code == 403 and r.json()["code"] == "TASK_EXCLUDED"
    assert client.get("/review-tasks/pool", headers=h("li")).status_code == 403  # an officer
    assert client.post(f"/review-tasks/{tasks[2]}/claim", headers=h("li")).status_code == 403

    _override(monkeypatch, review_exclusion="own_unit_and_parent")
    assert _pool(client, h, "r_county") == {"410200"}  # 410100 is the county's parent
    r = client.post(f"/review-tasks/{tasks[1]}/claim", headers=h("r_county"))
    assert r.status_code == 403 and r.json()["code"] == "TASK_EXCLUDED"
    assert _pool(client, h, "r_kf") == {"410122", "410100"}  # its parent 410000 has no dossier here


def test_claim_cap_and_first_come(app: Any, client: TestClient, ids: dict[str, int], h: Any) -> None:
    cap = int(float(seed_setting("review_claim_cap")))
    dossiers = [add_dossier(app, f"CKF-{i}", "410200", uploader=ids["quality"]) for i in range(cap + 1)]
    tasks = _publish(client, h, dossiers)
    for task_id in tasks[:cap]:
        assert client.post(f"/review-tasks/{task_id}/claim", headers=h("r_city")).status_code == 200
    r = client.post(f"/review-tasks/{tasks[cap]}/claim", headers=h("r_city"))
    assert r.status_code == 409 and r.json()["code"] == "CLAIM_CAP"
    taken = client.post(f"/review-tasks/{tasks[0]}/claim", headers=h("r_county"))
    assert taken.status_code == 409 and taken.json()["code"] == "TASK_TAKEN"
    # releasing one frees a slot, and the released task is back in the pool
    assert client.post(f"/review-tasks/{tasks[0]}/release", headers=h("r_city")).status_code == 200
    assert client.post(f"/review-tasks/{tasks[cap]}/claim", headers=h("r_city")).status_code == 200
    pool = client.get("/review-tasks/pool", headers=h("r_county")).json()
    assert [item["task"]["task_id"] for item in pool] == [tasks[0]]


def test_expired_lease_returns_the_task(app: Any, client: TestClient, ids: dict[str, int], h: Any) -> None:
    [dossier] = [add_dossier(app, "CKF-lease", "410200", uploader=ids["quality"], findings=FINDINGS)]
    [task] = _publish(client, h, [dossier])
    r = client.post(f"/review-tasks/{task}/claim", headers=h("r_city"))
    assert r.status_code == 200
    body = r.json()
    lease = datetime.fromisoformat(body["lease_expires_at"]) - datetime.fromisoformat(body["claimed_at"])
    assert lease == timedelta(minutes=float(seed_setting("review_lease_minutes")))
    assert client.get("/review-tasks/pool", headers=h("r_county")).json() == []

    with app.state.sessionmaker() as s:  # the lease ran out a second ago
        s.execute(
            update(ReviewTask)
            .where(ReviewTask.task_id == task)
            .values(lease_expires_at=clock.now() - timedelta(seconds=1))
        )
        s.commit()
    pool = client.get("/review-tasks/pool", headers=h("r_county")).json()
    assert [(i["task"]["task_id"], i["task"]["status"]) for i in pool] == [(task, "open")]
    late = client.post(f"/review-tasks/{task}/submit", json={}, headers=h("r_city"))
    assert late.status_code == 409 and late.json()["code"] == "NOT_HOLDER"
    assert client.post(f"/review-tasks/{task}/claim", headers=h("r_county")).status_code == 200
    assert client.get(f"/review-tasks/{task}", headers=h("r_city")).status_code == 404


def _expected(points: list[float], veto: bool) -> tuple[float, str]:
    """Independent of the code: 100 (seed) minus points, grade from the seed's cut-offs."""
    score = max(float(seed_setting("review_total_points")) - sum(points), 0.0)
    if veto:
        return score, "不合格"
    if score >= float(seed_setting("grade_excellent_min")):
        return score, "优秀"
    return score, "合格" if score >= float(seed_setting("grade_pass_min")) else "不合格"


def _decisions(**outcome: str) -> list[dict[str, Any]]:
    return [
        {"rule_id": rid, "decision": d, "comment": None if d == "confirm" else f"驳回 {rid}：证据齐全"}
        for rid, d in outcome.items()
    ]


def _claim(client: TestClient, h: Any, who: str, task: int) -> dict[str, Any]:
    r = client.post(f"/review-tasks/{task}/claim", headers=h(who))
    assert r.status_code == 200, r.text
    detail = client.get(f"/review-tasks/{task}", headers=h(who))
    assert detail.status_code == 200, detail.text
    return dict(detail.json())


def test_human_review_score_and_validation(app: Any, client: TestClient, ids: dict[str, int], h: Any) -> None:
    rules = seed_rules()
    findings = [*FINDINGS, Finding("R004", "not_checked")]  # the data could not decide R004: a human does
    dossier = add_dossier(app, "C410122-hr", "410122", uploader=ids["quality"], findings=findings)
    [task] = _publish(client, h, [dossier])
    detail = _claim(client, h, "r_kf", task)
    form = {f["rule_id"]: f for f in detail["findings"]}
    assert {r for r, f in form.items() if f["decision_needed"]} == {"R001", "R002", "R014", "R010", "R004"}
    assert {r for r, f in form.items() if f["prefill"] == "confirm"} == {"R001", "R002"}
    assert (
        form["R001"]["evidence"] == {"note": "测试证据 R001"}
        and form["R001"]["name_zh"] == rules["R001"]["name_zh"]
    )

    good = _decisions(R001="confirm", R002="reject", R014="confirm", R010="reject", R004="confirm")
    add = [{"rule_id": "R040", "points": 3.25, "comment": "处罚决定书说理不充分"}]
    url = f"/review-tasks/{task}/submit"
    bad_cases = [
        ({"decisions": good[:3], "additions": add}, "DECISION_MISSING"),
        ({"decisions": [*good[:3], {"rule_id": "R010", "decision": "reject"}, good[4]]}, "COMMENT_REQUIRED"),
        ({"decisions": good, "additions": [{**add[0], "rule_id": "R999"}]}, "UNKNOWN_RULE"),
        ({"decisions": [*good, {"rule_id": "R777", "decision": "confirm"}]}, "UNKNOWN_RULE"),
        ({"decisions": good, "additions": [{**add[0], "rule_id": "R001"}]}, "USE_DECISION"),
    ]
    for body, code in bad_cases:
        r = client.post(url, json=body, headers=h("r_kf"))
        assert r.status_code == 422 and r.json()["code"] == code, (code, r.text)
    assert (
        client.post(
            url, json={"decisions": good, "additions": [{**add[0], "comment": ""}]}, headers=h("r_kf")
        ).status_code
        == 422
    )

    r = client.post(url, json={"decisions": good, "additions": add, "comment": "总体规范"}, headers=h("r_kf"))
    assert r.status_code == 200, r.text
    review = r.json()["review"]
    points = [float(rules[r]["deduct_points"]) for r in ("R001", "R014", "R004")] + [3.25]
    score, grade = _expected(points, veto=False)
    assert (review["total_score"], review["grade"], review["veto"]) == (score, grade, False)
    assert {(i["rule_id"], i["decision"]) for i in review["items"]} == {
        ("R001", "confirmed"),
        ("R002", "rejected"),
        ("R014", "confirmed"),
        ("R010", "rejected"),
        ("R004", "confirmed"),
        ("R040", "added"),
    }
    assert r.json()["task"]["status"] == "submitted"
    with app.state.sessionmaker() as s:
        d = s.get(Dossier, dossier)
        assert d is not None
        assert (float(d.final_score or 0), d.final_grade, d.final_rule) == (score, grade, "human")
    # the same dossier cannot be submitted twice; a confirmed veto item fails the file whatever the points
    assert client.post(url, json={"decisions": good}, headers=h("r_kf")).status_code == 409
    other = add_dossier(app, "C410122-veto", "410122", uploader=ids["quality"], findings=FINDINGS)
    [task2] = _publish(client, h, [other])
    _claim(client, h, "r_kf", task2)
    veto = _decisions(R001="confirm", R002="confirm", R014="reject", R010="confirm")
    r = client.post(f"/review-tasks/{task2}/submit", json={"decisions": veto}, headers=h("r_kf"))
    assert r.status_code == 200, r.text
    score, grade = _expected([2.0, 0.5], veto=True)
    assert (r.json()["review"]["total_score"], r.json()["review"]["grade"]) == (score, grade)


def _review(
    client: TestClient, h: Any, who: str, task: int, extra: float, claim: bool = True
) -> dict[str, Any]:
    if claim:
        _claim(client, h, who, task)
    body = {
        "decisions": _decisions(R001="confirm", R002="confirm", R014="reject", R010="reject"),
        "additions": [{"rule_id": "R042", "points": extra, "comment": f"扣 {extra} 分"}] if extra else [],
    }
    r = client.post(f"/review-tasks/{task}/submit", json=body, headers=h(who))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _final(app: Any, dossier: int) -> tuple[float | None, str | None, str | None, str]:
    with app.state.sessionmaker() as s:
        d = s.get(Dossier, dossier)
        assert d is not None
        score = None if d.final_score is None else float(d.final_score)
        return score, d.final_grade, d.final_rule, d.status


def test_rereview_gap_opens_arbitration_and_final_rule(
    app: Any, client: TestClient, ids: dict[str, int], h: Any
) -> None:
    gap = float(seed_setting("rereview_score_gap"))
    near, far = (
        add_dossier(app, f"C410122-rr{i}", "410122", uploader=ids["quality"], findings=FINDINGS)
        for i in (1, 2)
    )
    t_near, t_far = _publish(client, h, [near, far])
    refused = client.post(
        "/review-tasks", json={"dossier_ids": [near], "mode": "re_review"}, headers=h("quality")
    )
    assert refused.status_code == 409 and refused.json()["code"] == "NO_FIRST_REVIEW"
    first_near = _review(client, h, "r_kf", t_near, 0)["review"]["total_score"]
    first_far = _review(client, h, "r_kf", t_far, 0)["review"]["total_score"]
    rr_near, rr_far = _publish(client, h, [near, far], mode="re_review")
    # the first reviewer may not take the second review
    r = client.post(f"/review-tasks/{rr_near}/claim", headers=h("r_kf"))
    assert r.status_code == 403 and r.json()["code"] == "TASK_EXCLUDED"

    second_near = _review(client, h, "r_kf2", rr_near, gap)  # exactly the threshold: no arbitration
    assert second_near["arbitration_task_id"] is None
    mean = (first_near + second_near["review"]["total_score"]) / 2
    assert _final(app, near) == (round(mean, 2), _expected([100 - mean], False)[1], "human_mean", "final")

    second_far = _review(client, h, "r_kf2", rr_far, gap + 0.5)
    arb = second_far["arbitration_task_id"]
    assert arb is not None
    assert abs(first_far - second_far["review"]["total_score"]) > gap
    assert _final(app, far)[2:] == ("human_mean", "reviewed")  # provisional until arbitration
    for who in ("r_kf", "r_kf2"):  # neither earlier reviewer arbitrates
        assert client.post(f"/review-tasks/{arb}/claim", headers=h(who)).status_code == 403
    quality_pool = client.get("/review-tasks/pool", headers=h("quality")).json()
    assert [(i["task"]["task_id"], i["task"]["mode"]) for i in quality_pool] == [(arb, "arbitration")]
    detail = _claim(client, h, "r_kf3", arb)
    assert sorted(rv["mode"] for rv in detail["reviews"]) == ["pool", "re_review"]  # the arbitrator sees both
    final = _review(client, h, "r_kf3", arb, 1.0, claim=False)["review"]
    score, grade = _expected([2.0, 0.5, 1.0], veto=False)
    assert final["total_score"] == score
    assert _final(app, far) == (score, grade, "arbitration", "final")
    assert Decimal(str(score)) != Decimal(
        str(round((first_far + second_far["review"]["total_score"]) / 2, 2))
    )


def test_certificate_and_sweep(app: Any, client: TestClient, ids: dict[str, int], h: Any) -> None:
    """A reviewer linked to an officer needs a valid certificate (赵强's expired yesterday in the test
    catalog); the lease sweep endpoint returns expired claims and says which."""
    from apitest_support import PASSWORD

    from api.platform.services.users import create_user

    with app.state.sessionmaker() as s:
        expired = create_user(s, "r_expired", PASSWORD, "410122", ["reviewer"], "O410122003").id
        s.commit()
    a, b = (add_dossier(app, f"CKF-cert{i}", "410200", uploader=ids["quality"]) for i in (1, 2))
    t1, t2 = _publish(client, h, [a, b])
    r = client.post(f"/review-tasks/{t1}/claim", headers=bearer(expired))
    assert r.status_code == 403 and r.json()["code"] == "CERTIFICATE_INVALID"
    for task in (t1, t2):
        assert client.post(f"/review-tasks/{task}/claim", headers=h("r_city")).status_code == 200
    with app.state.sessionmaker() as s:
        s.execute(
            update(ReviewTask)
            .where(ReviewTask.task_id == t2)
            .values(lease_expires_at=clock.now() - timedelta(minutes=1))
        )
        s.commit()
    assert client.post("/review-tasks/expire-leases", headers=h("r_city")).status_code == 403
    r = client.post("/review-tasks/expire-leases", headers=h("quality"))
    assert r.status_code == 200 and r.json() == {"returned_task_ids": [t2]}
    mine = client.get("/review-tasks/mine", headers=h("r_city")).json()
    assert [(i["task"]["task_id"], i["task"]["status"]) for i in mine] == [(t1, "claimed")]


def test_publish_scope(app: Any, client: TestClient, ids: dict[str, int], h: Any, as_user: Any) -> None:
    """Managers publish their own subtree's dossiers only; reviewers and officers publish nothing."""
    county, city, kaifeng = _three_units(app, ids)
    boss = as_user("cityboss")  # manager of Zhengzhou (410100 and its county 410122)
    r = client.post("/review-tasks", json={"dossier_ids": [kaifeng]}, headers=boss)
    assert r.status_code == 404 and r.json()["code"] == "DOSSIER_NOT_FOUND"
    r = client.post("/review-tasks", json={"dossier_ids": [county, city]}, headers=boss)
    assert r.status_code == 201 and [t["dossier_id"] for t in r.json()] == [county, city]
    for headers in (h("r_kf"), as_user("li")):  # a reviewer, an officer
        r = client.post("/review-tasks", json={"dossier_ids": [kaifeng]}, headers=headers)
        assert r.status_code == 403
    listed = client.get("/review-tasks", headers=boss).json()
    assert sorted(t["dossier_id"] for t in listed) == sorted([county, city])
