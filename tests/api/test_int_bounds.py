"""Issue #12 §2.8: every integer a request carries (path, query, body) is bounded in its schema — a value
beyond the store's INTEGER is a 422 naming the field, never a 500 (SQLite OverflowError, PostgreSQL out of
range)."""

from __future__ import annotations

from typing import Any

import pytest
from apitest_support import case_body
from fastapi.testclient import TestClient
from review_support import add_users, bearer

HUGE = 2**70
OVER = 2**31  # one past the largest INTEGER id


@pytest.mark.parametrize("value", [HUGE, OVER])
def test_out_of_range_ints_are_refused(client: TestClient, app: Any, as_user: Any, value: int) -> None:
    li = as_user("li")
    case_id = client.post("/cases", json=case_body(), headers=li).json()["case_id"]
    quality = bearer(add_users(app, [("quality", "410000", ["quality"])])["quality"])
    calls = [
        ("delete", f"/cases/{case_id}/items/{value}", li, None, "line_no"),
        ("post", f"/approvals/{value}/decision", as_user("head"), {"outcome": "approved"}, "approval_id"),
        ("get", f"/cases/{case_id}/documents/{value}.pdf", li, None, "document_id"),
        ("get", f"/cases/{case_id}/uploads/{value}/content", li, None, "upload_id"),
        ("get", f"/cases?offset={value}", li, None, "offset"),
        (
            "post",
            f"/cases/{case_id}/documents",
            li,
            {"doc_type": "service_receipt", "served_document_id": value},
            "served_document_id",
        ),
        ("post", "/review-tasks", quality, {"dossier_ids": [value]}, "dossier_ids"),
        ("patch", f"/cases/{case_id}", li, {"prior_offences_3y": value}, "prior_offences_3y"),
    ]
    for method, url, headers, body, field in calls:
        r = client.request(method, url, headers=headers, json=body)
        assert r.status_code == 422, (url, r.status_code, r.text)
        assert r.json()["code"] == "VALIDATION_ERROR" and field in r.json()["message"], (url, r.text)
