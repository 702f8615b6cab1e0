"""Login, tokens, roles and unit scope."""

from __future__ import annotations

from typing import Any

from apitest_support import PASSWORD, case_body
from fastapi.testclient import TestClient


def test_health_needs_no_token(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_login_issues_token_and_me(client: TestClient) -> None:
    r = client.post("/auth/token", data={"username": "li", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "li" and me.json()["unit_code"] == "410122"


def test_wrong_password_and_unknown_user_are_401(client: TestClient) -> None:
    for user, pw in (("li", "wrong-password"), ("nobody", PASSWORD)):
        r = client.post("/auth/token", data={"username": user, "password": pw})
        assert r.status_code == 401
        assert r.json()["code"] == "BAD_CREDENTIALS"


def test_no_or_bad_token_is_401_everywhere(client: TestClient) -> None:
    paths = [
        ("get", "/cases"),
        ("post", "/cases"),
        ("get", "/deadlines"),
        ("get", "/products/P001"),
        ("post", "/scan"),
        ("get", "/audit/verify"),
    ]
    for method, path in paths:
        r = client.request(method, path)
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["code"] == "UNAUTHENTICATED"
        r = client.request(method, path, headers={"Authorization": "Bearer not.a.token"})
        assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"


def test_token_signed_with_another_key_is_refused(client: TestClient) -> None:
    import jwt

    forged = jwt.encode({"sub": "1", "exp": 4102444800}, "another-key", algorithm="HS256")
    r = client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def test_passwords_are_hashed(app: Any) -> None:
    from sqlalchemy import select

    from api.models import User

    with app.state.sessionmaker() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "li"))
    assert stored is not None and PASSWORD not in stored and stored.startswith("$argon2")


def test_wrong_role_is_403(client: TestClient, as_user: Any) -> None:
    # an approver is not an officer: it cannot create cases
    r = client.post("/cases", json=case_body(), headers=as_user("head"))
    assert r.status_code == 403 and r.json()["code"] == "ROLE_REQUIRED"
    # only admins create users
    r = client.post(
        "/users",
        json={"username": "x1", "password": "longenough1", "unit_code": "410122", "roles": ["officer"]},
        headers=as_user("li"),
    )
    assert r.status_code == 403
    r = client.post(
        "/users",
        json={"username": "x1", "password": "longenough1", "unit_code": "410122", "roles": ["officer"]},
        headers=as_user("admin"),
    )
    assert r.status_code == 201 and r.json()["roles"] == "officer"


def test_unit_scope(client: TestClient, as_user: Any) -> None:
    r = client.post("/cases", json=case_body(), headers=as_user("li"))
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    # another unit's officer: the case does not exist for it
    assert client.get(f"/cases/{case_id}", headers=as_user("kaifeng")).status_code == 404
    assert (
        client.patch(f"/cases/{case_id}", json={"place": "x"}, headers=as_user("kaifeng")).status_code == 404
    )
    assert case_id not in [c["case_id"] for c in client.get("/cases", headers=as_user("kaifeng")).json()]
    # the parent city's manager sees the county's case but may not change it
    assert client.get(f"/cases/{case_id}", headers=as_user("cityboss")).status_code == 200
    assert case_id in [c["case_id"] for c in client.get("/cases", headers=as_user("cityboss")).json()]
    # the same unit's other officer sees and changes it
    r = client.patch(f"/cases/{case_id}", json={"place": "新地点"}, headers=as_user("wang"))
    assert r.status_code == 200 and r.json()["place"] == "新地点"
