"""What a phone's offline queue relies on: adding a line and uploading a photo are retry-safe with an
Idempotency-Key (a retry after a lost answer writes nothing twice), and a reused key with another
body is refused — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from apitest_support import PHOTO, YUXI, ZHONGHUA, case_body
from fastapi.testclient import TestClient


def _case(client: TestClient, h: dict[str, str]) -> str:
    r = client.post("/cases", json=case_body(), headers=h)
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"])


def test_item_with_key_is_added_once(backend: str, client: TestClient, as_user: Any) -> None:
    h = as_user("li")
    case_id = _case(client, h)
    key = {**h, "Idempotency-Key": "item-7f3a"}
    body = {"barcode": ZHONGHUA["carton"], "quantity": 3}
    first = client.post(f"/cases/{case_id}/items", json=body, headers=key)
    again = client.post(f"/cases/{case_id}/items", json=body, headers=key)
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    items = client.get(f"/cases/{case_id}", headers=h).json()["items"]
    assert [(i["line_no"], i["barcode"]) for i in items] == [(1, ZHONGHUA["carton"])]
    # another body under the same key: refused, nothing written
    other = client.post(
        f"/cases/{case_id}/items", json={"barcode": YUXI["carton"], "quantity": 1}, headers=key
    )
    assert other.status_code == 422 and other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    # without a key, the same body is a second line (unchanged behaviour)
    assert client.post(f"/cases/{case_id}/items", json=body, headers=h).status_code == 201
    assert len(client.get(f"/cases/{case_id}", headers=h).json()["items"]) == 2


def test_item_key_reused_on_another_case_is_refused(backend: str, client: TestClient, as_user: Any) -> None:
    h = as_user("li")
    case_id = _case(client, h)
    key = {**h, "Idempotency-Key": "item-locked"}
    body = {"barcode": YUXI["carton"], "quantity": 1}
    assert client.post(f"/cases/{case_id}/items", json=body, headers=key).status_code == 201
    other_case = _case(client, h)
    reused = client.post(f"/cases/{other_case}/items", json=body, headers=key)
    assert reused.status_code == 422 and reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_upload_with_key_is_stored_once(backend: str, client: TestClient, as_user: Any) -> None:
    h = as_user("li")
    case_id = _case(client, h)
    data = PHOTO.read_bytes()
    key = {**h, "Idempotency-Key": "photo-1"}

    def send() -> Any:
        return client.post(
            f"/cases/{case_id}/uploads",
            files={"file": ("carton.png", data, "image/png")},
            data={"description": "现场照片"},
            headers=key,
        )

    first, again = send(), send()
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["upload_id"] == first.json()["upload_id"]
    uploads = client.get(f"/cases/{case_id}/dossier", headers=h).json()["uploads"]
    assert len(uploads) == 1
