"""Security of the #7 routes (dossiers, review tasks, human reviews, sampling): a token on every route,
huge ids refused with 422 rather than a 500, and ids outside the caller's reach answered exactly like ids
that do not exist (404 with the same code), so nobody can probe which dossiers, tasks or draws exist."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from review_support import add_dossier, add_users, bearer

from api.models import Unit

PREFIXES = ("/dossiers", "/review-tasks", "/human-reviews", "/sampling-plans", "/sampling-draws")
HUGE = 2**63  # beyond SQLite's INTEGER: used to raise OverflowError → 500


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    """Henan as in the catalog plus a second province (湖北 420000: 武汉 420100, 黄石 420200)."""
    with app.state.sessionmaker() as s:
        units = [
            ("420000", "湖北省烟草专卖局", None),
            ("420100", "武汉市烟草专卖局", "420000"),
            ("420200", "黄石市烟草专卖局", "420000"),
        ]
        for code, name, parent in units:
            path = f"/{parent}/{code}/" if parent else f"/{code}/"
            s.add(
                Unit(
                    unit_code=code,
                    name=name,
                    level="city" if parent else "province",
                    parent_code=parent,
                    path=path,
                )
            )
            s.flush()
        s.commit()
    ids = add_users(
        app,
        [
            ("quality", "410000", ["quality"]),
            ("quality_hb", "420000", ["quality"]),
            ("r_city", "410100", ["reviewer"]),
            ("r_hb", "420200", ["reviewer"]),
            ("boss", "410100", ["manager"]),
            ("clerk", "410122", ["officer"]),
        ],
    )
    kaifeng = add_dossier(app, "C4102002026S0001", "410200", uploader=ids["quality"])
    hubei = add_dossier(app, "C4201002026S0001", "420100", uploader=ids["quality_hb"])
    return {"ids": ids, "kaifeng": kaifeng, "hubei": hubei}


def _h(world: dict[str, Any], name: str) -> dict[str, str]:
    return bearer(world["ids"][name])


def _paths(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every #7 operation, from the OpenAPI schema (routers are included lazily)."""
    paths = app.openapi()["paths"]
    return [(m.upper(), p) for p in sorted(paths) if p.startswith(PREFIXES) for m in sorted(paths[p])]


def _fill(path: str, value: int) -> str:
    for name in ("dossier_id", "task_id", "review_id", "plan_id", "draw_id"):
        path = path.replace("{" + name + "}", str(value))
    return path.replace("{fmt}", "pdf")


def test_every_route_needs_a_token(app: Any, client: TestClient) -> None:
    paths = _paths(app)
    assert len(paths) >= 20, paths  # the router set is really there
    for method, path in paths:
        r = client.request(method, _fill(path, 1))
        assert r.status_code == 401, (method, path, r.status_code)


def test_huge_ids_are_refused_not_500(app: Any, client: TestClient, world: dict[str, Any]) -> None:
    admin = _h(world, "quality")  # quality passes every role check of these routers but admin's
    for method, path in _paths(app):
        if "{" not in path:
            continue
        r = client.request(method, _fill(path, HUGE), headers=admin, json={})
        assert r.status_code == 422, (method, path, r.status_code, r.text)
    for url in (f"/human-reviews?dossier_id={HUGE}", f"/review-tasks?dossier_id={HUGE}"):
        assert client.get(url, headers=admin).status_code == 422, url


def test_other_provinces_tasks_do_not_exist_for_a_reviewer(client: TestClient, world: dict[str, Any]) -> None:
    r = client.post("/review-tasks", json={"dossier_ids": [world["hubei"]]}, headers=_h(world, "quality_hb"))
    assert r.status_code == 201, r.text
    task = r.json()[0]["task_id"]
    missing = task + 1000
    henan = _h(world, "r_city")
    for action in ("claim", "release"):
        seen = client.post(f"/review-tasks/{task}/{action}", headers=henan)
        absent = client.post(f"/review-tasks/{missing}/{action}", headers=henan)
        assert (seen.status_code, seen.json()["code"]) == (absent.status_code, absent.json()["code"])
        assert seen.status_code == 404 and seen.json()["code"] == "TASK_NOT_FOUND"
    assert client.get(f"/review-tasks/{task}", headers=henan).status_code == 404
    # the Hubei reviewer may claim it (their own province's pool)
    assert client.post(f"/review-tasks/{task}/claim", headers=_h(world, "r_hb")).status_code == 200


def test_task_actions_need_a_reviewer_role_whatever_the_id(client: TestClient, world: dict[str, Any]) -> None:
    r = client.post("/review-tasks", json={"dossier_ids": [world["kaifeng"]]}, headers=_h(world, "quality"))
    task = r.json()[0]["task_id"]
    clerk = _h(world, "clerk")
    for t in (task, task + 1000):
        for action in ("claim", "release"):
            r = client.post(f"/review-tasks/{t}/{action}", headers=clerk)
            assert r.status_code == 403 and r.json()["code"] == "ROLE_REQUIRED", (t, action, r.text)
        r = client.post(f"/review-tasks/{t}/submit", headers=clerk, json={"decisions": [], "additions": []})
        assert r.status_code == 403 and r.json()["code"] == "ROLE_REQUIRED", r.text


def test_human_reviews_of_an_unseen_dossier_do_not_exist(client: TestClient, world: dict[str, Any]) -> None:
    """A Henan city reviewer neither sees the Hubei dossier nor reviewed it: 404 as for no dossier at all;
    the Kaifeng dossier lies in their province but outside their subtree and they reviewed none of it."""
    henan = _h(world, "r_city")
    absent = client.get("/human-reviews", params={"dossier_id": world["hubei"] + 1000}, headers=henan)
    assert absent.status_code == 404 and absent.json()["code"] == "DOSSIER_NOT_FOUND"
    for dossier in (world["hubei"], world["kaifeng"]):
        r = client.get("/human-reviews", params={"dossier_id": dossier}, headers=henan)
        assert (r.status_code, r.json()["code"]) == (404, "DOSSIER_NOT_FOUND"), r.text
    r = client.get("/human-reviews", params={"dossier_id": world["kaifeng"]}, headers=_h(world, "quality"))
    assert r.status_code == 200 and r.json() == []


def test_a_draw_of_another_units_plan_is_not_found(client: TestClient, world: dict[str, Any]) -> None:
    """A city manager sees plans of their own subtree only; the province's draw reads as a missing draw."""
    plan = {"name": "全省抽查", "unit_codes": ["410200"], "violation_codes": [], "rate": 1.0, "seed": "s"}
    r = client.post("/sampling-plans", json=plan, headers=_h(world, "quality"))
    assert r.status_code == 201, r.text
    plan_id = r.json()["plan_id"]
    r = client.post(f"/sampling-plans/{plan_id}/draw", headers=_h(world, "quality"))
    assert r.status_code == 201, r.text
    draw = r.json()["draw_id"]
    boss = _h(world, "boss")
    for suffix in ("", "/verify"):
        seen = client.get(f"/sampling-draws/{draw}{suffix}", headers=boss)
        absent = client.get(f"/sampling-draws/{draw + 1000}{suffix}", headers=boss)
        assert seen.status_code == absent.status_code == 404
        assert seen.json()["code"] == absent.json()["code"] == "DRAW_NOT_FOUND"
    assert client.get(f"/sampling-plans/{plan_id}", headers=boss).json()["code"] == "PLAN_NOT_FOUND"
    assert client.get(f"/sampling-draws/{draw}", headers=_h(world, "quality")).status_code == 200
