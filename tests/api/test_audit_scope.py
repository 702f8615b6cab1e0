"""GET /audit is scoped to the reader's unit subtree, masks party identifiers for everyone and shows
human-review scores only to quality staff of the reviewing level (issue #12 §2.1)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from apitest_support import case_body
from fastapi.testclient import TestClient
from review_support import Finding, add_dossier, add_users, bearer

from api.models import Unit
from api.platform.services.audit_scope import masked

# 410000 Henan → 410100 Zhengzhou → 410122 Zhongmou; 410200 Kaifeng; 420000 Hubei, another province
AUDITORS = [
    ("kf_boss", "410200", ["manager"]),
    ("hubei_boss", "420000", ["manager"]),
    ("hubei_quality", "420000", ["quality"]),
    ("city_quality", "410100", ["quality"]),
]
ID_NO, PHONE = "410122199001011234", "13800138000"


@pytest.fixture
def ids(app: Any) -> dict[str, int]:
    with app.state.sessionmaker() as s:
        s.add(Unit(unit_code="420000", name="湖北省烟草专卖局", level="province", path="/420000/"))
        s.commit()
    add_users(app)  # quality (410000) and reviewers, among them r_kf of Kaifeng
    return add_users(app, AUDITORS)


def _audit(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    r = client.get("/audit", params={"limit": 1000, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json())


def _cases(entries: list[dict[str, Any]]) -> set[str]:
    return {e["entity_id"] for e in entries if e["entity"] == "case"}


def test_audit_is_scoped_to_the_unit_subtree_and_masks_identifiers(
    client: TestClient, as_user: Any, ids: dict[str, int]
) -> None:
    body = case_body(party_id_no=ID_NO, phone=PHONE)
    r = client.post("/cases", json=body, headers=as_user("li"))
    assert r.status_code == 201, r.text
    zhongmou = r.json()["case_id"]
    kf_body = case_body(officers=[{"officer_id": "O410200001", "role": "lead"}])
    r = client.post("/cases", json=kf_body, headers=as_user("kaifeng"))
    assert r.status_code == 201, r.text
    kaifeng = r.json()["case_id"]

    assert _cases(_audit(client, as_user("admin"))) >= {zhongmou, kaifeng}
    assert _cases(_audit(client, as_user("cityboss"))) == {zhongmou}  # Zhengzhou's subtree only
    assert _cases(_audit(client, bearer(ids["kf_boss"]))) == {kaifeng}
    hubei = _audit(client, bearer(ids["hubei_boss"]))  # another province sees nothing of Henan
    assert hubei and {e["unit_code"] for e in hubei} == {"420000"}  # only its own users' creation
    # asking by id does not reach around the scope
    assert _audit(client, bearer(ids["kf_boss"]), entity="case", entity_id=zhongmou) == []

    for reader in (as_user("admin"), as_user("cityboss")):
        [created] = _audit(client, reader, entity="case", entity_id=zhongmou)
        text = json.dumps(created, ensure_ascii=False)
        assert ID_NO not in text and PHONE not in text
        after = json.loads(created["after"])
        assert after["party_id_no"] == "***" and after["phone"] == "***"
        assert after["party_name"] == body["party_name"]  # what the case routes show stays readable
    # nested values are masked too (an approval's payload, a list of rows)
    nested = masked(json.dumps({"payload": {"rows": [{"phone": PHONE, "n": 1}]}}), frozenset({"phone"}))
    assert nested is not None and json.loads(nested) == {"payload": {"rows": [{"phone": "***", "n": 1}]}}
    # officers and reviewers read no audit at all
    assert client.get("/audit", headers=as_user("li")).status_code == 403
    assert client.get("/audit", headers=bearer(ids["r_kf"])).status_code == 403


def test_review_scores_only_for_quality_staff_of_the_reviewing_level(
    app: Any, client: TestClient, as_user: Any, ids: dict[str, int]
) -> None:
    dossier = add_dossier(
        app, "C410122-audit", "410122", uploader=ids["quality"], findings=[Finding("R003", "passed")]
    )
    r = client.post(
        "/review-tasks", json={"dossier_ids": [dossier], "mode": "pool"}, headers=bearer(ids["quality"])
    )
    assert r.status_code == 201, r.text
    task = r.json()[0]["task_id"]
    assert client.post(f"/review-tasks/{task}/claim", headers=bearer(ids["r_kf"])).status_code == 200
    r = client.post(f"/review-tasks/{task}/submit", json={"comment": "规范"}, headers=bearer(ids["r_kf"]))
    assert r.status_code == 200, r.text
    score = r.json()["review"]["total_score"]

    def scored(headers: dict[str, str]) -> dict[str, dict[str, Any]]:
        """The human review's entry and the dossier's final-score entry, as this reader gets them."""
        wanted = {("human_review", "submit"), ("dossier", "final_score")}
        entries = _audit(client, headers)
        return {e["entity"]: json.loads(e["after"]) for e in entries if (e["entity"], e["action"]) in wanted}

    # admin, and quality staff of the province that published the task
    for reader in (as_user("admin"), bearer(ids["quality"])):
        seen = scored(reader)
        assert float(seen["human_review"]["total_score"]) == score
        assert seen["human_review"]["comment"] == "规范"
        assert float(seen["dossier"]["final_score"]) == score
    # the dossier's city manager and the city's quality staff see the entries, not the scores
    for reader in (as_user("cityboss"), bearer(ids["city_quality"])):
        seen = scored(reader)
        assert set(seen) == {"human_review", "dossier"}
        assert seen["human_review"]["total_score"] == "***" and seen["human_review"]["grade"] == "***"
        assert seen["human_review"]["comment"] == "***" and seen["dossier"]["final_score"] == "***"
        assert seen["human_review"]["dossier_id"] == dossier  # the rest of the entry stays readable
    assert scored(bearer(ids["hubei_quality"])) == {}  # quality staff of another province: nothing
