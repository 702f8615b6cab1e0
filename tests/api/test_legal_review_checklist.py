"""The legal reviewer's checklist (issue #17, DOMAIN.md §6 法制审核): every item of the reference list is
confirmed or flagged; a flagged item needs its note and the decision an opinion; the checklist is stored
with the decision and in its audit entry; other kinds take none."""

from __future__ import annotations

import csv
import json
from typing import Any

from fastapi.testclient import TestClient
from office_support import deviation_case

from zhifa.settings import SEEDS_DIR


def seed_items() -> list[tuple[str, str]]:
    with (SEEDS_DIR / "ref_legal_review_items.csv").open(encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["sort_order"]))
    return [(r["item_code"], r["name_zh"]) for r in rows]


def legal_review(client: TestClient, as_user: Any) -> tuple[str, str]:
    li = as_user("li")
    case_id = deviation_case(client, li)["case_id"]
    r = client.post(
        f"/cases/{case_id}/approvals", json={"kind": "legal_review", "reason": "重大案件"}, headers=li
    )
    assert r.status_code == 201, r.text
    return case_id, f"/approvals/{r.json()['approval_id']}/decision"


def test_checklist_comes_from_reference_data(client: TestClient, as_user: Any) -> None:
    r = client.get("/legal-review/checklist", headers=as_user("legal"))
    assert r.status_code == 200
    assert [(i["item_code"], i["name_zh"]) for i in r.json()] == seed_items()
    names = [n for _, n in seed_items()]
    assert {"主体合法", "事实清楚", "证据确凿", "适用法律正确", "程序合法", "裁量适当", "文书规范"} <= set(
        names
    )
    assert client.get("/legal-review/checklist").status_code == 401


def test_every_item_once_and_flags_explained(client: TestClient, as_user: Any) -> None:
    case_id, url = legal_review(client, as_user)
    legal = as_user("legal")
    codes = [c for c, _ in seed_items()]
    full = [{"item": c, "result": "confirmed"} for c in codes]

    def refused(body: dict[str, Any], code: str) -> None:
        r = client.post(url, json=body, headers=legal)
        assert r.status_code == 422 and r.json()["code"] == code, r.text

    refused({"outcome": "approved"}, "CHECKLIST_REQUIRED")
    refused({"outcome": "approved", "checklist": full[1:]}, "CHECKLIST_INCOMPLETE")
    refused({"outcome": "approved", "checklist": [*full, full[0]]}, "DUPLICATE_CHECKLIST_ITEM")
    refused(
        {"outcome": "approved", "checklist": [*full, {"item": "NOPE", "result": "confirmed"}]},
        "UNKNOWN_CHECKLIST_ITEM",
    )
    flagged = [*full[:-1], {"item": codes[-1], "result": "flagged", "note": "  "}]
    refused({"outcome": "rejected", "checklist": flagged, "note": "退回"}, "CHECKLIST_NOTE_REQUIRED")
    flagged[-1]["note"] = "送达回证缺当事人签字"
    refused({"outcome": "rejected", "checklist": flagged}, "OPINION_REQUIRED")
    # nothing was decided by the refusals
    pending = [
        a
        for a in client.get(f"/cases/{case_id}/approvals", headers=legal).json()
        if a["kind"] == "legal_review"
    ]
    assert pending[0]["outcome"] == "pending" and "checklist" not in pending[0]["payload"]

    r = client.post(
        url,
        json={"outcome": "rejected", "checklist": list(reversed(flagged)), "note": "文书不规范，退回补正"},
        headers=legal,
    )
    assert r.status_code == 200, r.text
    stored = r.json()["payload"]["checklist"]
    assert [(e["item"], e["name_zh"]) for e in stored] == seed_items()  # page order whatever the order sent
    assert [e["result"] for e in stored] == ["confirmed"] * (len(codes) - 1) + ["flagged"]
    assert stored[-1]["note"] == "送达回证缺当事人签字" and stored[0]["note"] is None
    # audited with the decision
    audit = client.get(
        "/audit",
        params={"entity": "approval", "entity_id": r.json()["approval_id"]},
        headers=as_user("admin"),
    ).json()
    [entry] = [a for a in audit if a["action"] == "decide:rejected"]
    assert entry["username"] == "legal" and json.loads(entry["after"])["payload"]["checklist"] == stored


def test_other_kinds_take_no_checklist(client: TestClient, as_user: Any) -> None:
    made = deviation_case(client, as_user("li"))
    body = {"outcome": "approved", "checklist": [{"item": seed_items()[0][0], "result": "confirmed"}]}
    r = client.post(f"/approvals/{made['approval_id']}/decision", json=body, headers=as_user("head"))
    assert r.status_code == 422 and r.json()["code"] == "CHECKLIST_NOT_APPLICABLE"
    r = client.post(
        f"/approvals/{made['approval_id']}/decision", json={"outcome": "approved"}, headers=as_user("head")
    )
    assert r.status_code == 200 and "checklist" not in r.json()["payload"]
