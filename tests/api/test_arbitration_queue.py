"""The quality team's arbitration queue (issue #17): a re-review whose score differs from the first by more
than rereview_score_gap waits in the queue of quality staff of the dossier's subtree with both scores; the
arbitrator sets the final score with a reason, once; the dossier's final score follows; it is audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from quality_support import ARBITERS, arbitration_task
from review_support import add_users, bearer, seed_setting

from api.models import Dossier


def test_queue_and_arbitrate(app: Any, client: TestClient, as_user: Any) -> None:
    ids = add_users(app)
    ids |= add_users(app, ARBITERS)
    h = {name: bearer(i) for name, i in ids.items()}
    dossier, task, first, second = arbitration_task(app, client, ids, "C410122-arb")
    [row] = client.get("/quality/arbitration", headers=h["quality"]).json()
    assert (row["task_id"], row["case_id"], row["status"]) == (task, "C410122-arb", "open")
    assert Decimal(row["first_score"]) == Decimal(str(first["total_score"]))
    assert Decimal(row["second_score"]) == Decimal(str(second["total_score"]))
    assert Decimal(row["gap"]) == abs(
        Decimal(str(first["total_score"])) - Decimal(str(second["total_score"]))
    )
    assert Decimal(row["gap"]) > Decimal(row["allowed_gap"]) == Decimal(seed_setting("rereview_score_gap"))
    # quality staff of Zhengzhou see it (their subtree); Kaifeng's do not, and cannot reach it
    assert [r["task_id"] for r in client.get("/quality/arbitration", headers=h["q_zz"]).json()] == [task]
    assert client.get("/quality/arbitration", headers=h["q_kf"]).json() == []
    url = f"/quality/arbitration/{task}"
    body = {"score": "93.50", "reason": "复评扣分依据不足，采纳初评意见并酌减"}
    r = client.post(url, json=body, headers=h["q_kf"])
    assert r.status_code == 404 and r.json()["code"] == "TASK_NOT_FOUND"
    missing = client.post("/quality/arbitration/999999", json=body, headers=h["quality"])
    assert missing.status_code == 404 and missing.json()["code"] == r.json()["code"]  # like a missing one
    # a reviewer is not quality staff; a reason is required
    assert client.post(url, json=body, headers=h["r_city"]).status_code == 403
    assert client.post(url, json={**body, "reason": " "}, headers=h["quality"]).status_code == 422
    assert client.post(url, json={**body, "score": "100.5"}, headers=h["quality"]).status_code == 422

    r = client.post(url, json=body, headers=h["quality"])
    assert r.status_code == 200, r.text
    out = r.json()
    assert Decimal(out["final_score"]) == Decimal("93.50") and out["final_rule"] == "arbitration"
    with app.state.sessionmaker() as s:
        d = s.get(Dossier, dossier)
        assert d is not None and (d.final_score, d.final_rule, d.status) == (
            Decimal("93.50"),
            "arbitration",
            "final",
        )
    again = client.post(url, json=body, headers=h["q_zz"])
    assert again.status_code == 409 and again.json()["code"] == "ALREADY_DECIDED"
    assert client.get("/quality/arbitration", headers=h["quality"]).json() == []
    audit = client.get(
        "/audit",
        params={"entity": "human_review", "entity_id": str(out["review_id"])},
        headers=as_user("admin"),
    ).json()
    assert [a["username"] for a in audit if a["action"] == "arbitrate"] == ["quality"]
    assert "复评扣分依据不足" in next(a["after"] for a in audit if a["action"] == "arbitrate")
