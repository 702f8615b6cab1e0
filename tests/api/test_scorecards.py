"""执法考评 reads (issue #19 §3): my own scorecards with every point explained; a manager sees the people and
units of the subtree — a scorecard in a unit outside it, or another person's for a non-manager, is missing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from scorecard_support import publish


def _cards(body: dict[str, Any]) -> list[tuple[str, str, str, str, float]]:
    return [
        (c["role"], c["person_id"], c["unit_code"], c["month"], round(c["total_score"], 2))
        for c in body["cards"]
    ]


def test_scorecards_are_mine_or_my_subtree(app: Any, client: TestClient, as_user: Any) -> None:
    assert client.get("/scorecards/mine", headers=as_user("li")).json() == {
        "source": "none", "person_id": "O410122001", "month": None, "cards": []
    }  # fmt: skip
    publish(app.state.settings.serve_warehouse_path)
    mine = client.get("/scorecards/mine", headers=as_user("li")).json()
    # both units of the November move, then October; 84.5 = 37.5 + 22.5 + 20 (every point explained)
    assert _cards(mine) == [
        ("handler", "O410122001", "410122", "2026-11-01", 80.0),
        ("handler", "O410122001", "410200", "2026-11-01", 100.0),
        ("handler", "O410122001", "410122", "2026-10-01", 25.0),
    ]
    first = mine["cards"][0]
    points = {
        c["component"]: (c["sub_score"], c["effective_weight"], c["contribution"])
        for c in first["components"]
    }
    assert points == {
        "dossier_quality": (75.0, 50.0, 37.5),
        "fine_disparity": (100.0, 20.0, 20.0),
        "timeliness": (75.0, 30.0, 22.5),
    }
    assert sum(p[2] for p in points.values()) == pytest.approx(first["total_score"])
    moved = mine["cards"][1]
    assert (moved["weight_covered"], moved["components"][0]["effective_weight"]) == (30.0, 100.0)

    # a colleague's scorecard and the team view are not an officer's to see
    r = client.get("/scorecards/people/O410122002", headers=as_user("li"))
    assert r.status_code == 404 and r.json()["code"] == "SCORECARD_NOT_FOUND"
    assert client.get("/scorecards/team", headers=as_user("li")).status_code == 403
    assert _cards(client.get("/scorecards/people/O410122001", headers=as_user("li")).json())[0][2] == "410122"

    # Zhengzhou's manager: 李明's cards in 中牟县 only (开封 is another city), 孙丽 is nobody to him
    boss = client.get("/scorecards/people/O410122001", headers=as_user("cityboss")).json()
    assert {c["unit_code"] for c in boss["cards"]} == {"410122"}
    assert client.get("/scorecards/people/O410200001", headers=as_user("cityboss")).status_code == 404
    team = client.get("/scorecards/team", headers=as_user("cityboss")).json()
    assert team["month"] == "2026-11-01"
    assert _cards(team) == [
        ("handler", None, "410122", "2026-11-01", 69.06),  # 62.5 × 62.5 % + 80 × 37.5 %
        ("handler", "O410122001", "410122", "2026-11-01", 80.0),
        ("case_reviewer", "O410122002", "410122", "2026-11-01", 56.15),  # 60 × 40/65 + 50 × 25/65
    ]
    assert [c["component"] for c in team["cards"][0]["components"]] == ["dossier_quality", "timeliness"]
    october = client.get("/scorecards/team", params={"month": "2026-10-17"}, headers=as_user("admin")).json()
    assert _cards(october) == [("handler", "O410122001", "410122", "2026-10-01", 25.0)]
    assert (
        client.get("/scorecards/team", params={"month": "0001-01-01"}, headers=as_user("admin")).status_code
        == 422
    )
    assert client.get("/scorecards/people/O41%27--", headers=as_user("admin")).status_code in (404, 422)
