"""Legal review of major decisions and collective discussion (#18 §2), over HTTP: the catalogue decides
which cases are major, a decision cannot bypass either step, the reviewer's level and conclusion are
checked, and both records come out as documents."""

from __future__ import annotations

import io
from typing import Any

import pypdf
from apitest_support import PASSWORD, SECRET, ZHONGHUA, case_body
from case_flow_support import closed_case, move
from fastapi.testclient import TestClient

from api.core.security import create_token
from api.platform.services.users import create_user


def _checklist(client: TestClient, h: dict[str, str]) -> list[dict[str, str]]:
    items = client.get("/legal-review/checklist", headers=h).json()
    return [{"item": i["item_code"], "result": "confirmed"} for i in items]


def _pdf_text(client: TestClient, h: dict[str, str], case_id: str, doc_type: str) -> str:
    docs = client.get(f"/cases/{case_id}/dossier", headers=h).json()["documents"]
    doc = next(d for d in docs if d["doc_type"] == doc_type)
    pdf = client.get(f"/cases/{case_id}/documents/{doc['document_id']}.pdf", headers=h).content
    return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_complex_case_needs_review_and_discussion(client: TestClient, as_user: Any) -> None:
    li, head, legal = as_user("li"), as_user("head"), as_user("legal")
    case_id = closed_case(client, li, head, to="investigating")
    verdict = client.get(f"/cases/{case_id}/major-decision", headers=li).json()
    assert verdict == {"major": False, "hits": [], "reviewer_level": None, "missing": []}

    assert client.patch(f"/cases/{case_id}", json={"marked_complex": True}, headers=li).status_code == 200
    verdict = client.get(f"/cases/{case_id}/major-decision", headers=li).json()
    assert [h["code"] for h in verdict["hits"]] == ["COMPLEX"] and len(verdict["missing"]) == 2
    r = client.post(f"/cases/{case_id}/transitions", json={"to": "decided"}, headers=li)
    assert r.status_code == 409
    blocking = " ".join(r.json()["detail"])
    assert "法制审核" in blocking and "集体讨论" in blocking and "疑难复杂" in blocking

    lr = client.post(f"/cases/{case_id}/approvals", json={"kind": "legal_review"}, headers=li).json()
    url = f"/approvals/{lr['approval_id']}/decision"
    assert client.post(url, json={"outcome": "approved", "note": "x"}, headers=head).status_code == 403
    checklist = _checklist(client, legal)
    r = client.post(url, json={"outcome": "approved", "checklist": checklist}, headers=legal)
    assert r.status_code == 422 and r.json()["code"] == "OPINION_REQUIRED"
    r = client.post(url, json={"outcome": "approved", "note": "同意"}, headers=legal)
    assert r.status_code == 422 and r.json()["code"] == "CHECKLIST_REQUIRED"
    wrong = {"outcome": "approved", "conclusion": "不同意", "note": "证据不足", "checklist": checklist}
    r = client.post(url, json=wrong, headers=legal)
    assert r.status_code == 422 and r.json()["code"] == "CONCLUSION_MISMATCH"
    opinion = "事实清楚，证据确凿，程序合法；建议在决定书中补充引用条款。"
    checklist[-1] = {**checklist[-1], "result": "flagged", "note": "决定书应补充引用条款"}
    body = {"outcome": "approved", "conclusion": "修改后同意", "note": opinion, "checklist": checklist}
    r = client.post(url, json=body, headers=legal)
    assert r.status_code == 200, r.text
    assert r.json()["payload"]["conclusion"] == "修改后同意"
    text = _pdf_text(client, li, case_id, "legal_review_opinion")
    assert "法制审核意见书" in text and "修改后同意" in text and "补充引用条款" in text
    assert "存疑：决定书应补充引用条款" in text and "符合" in text
    assert "存疑：决定书应补充引用条款" in text and "符合" in text

    # still blocked: the collective discussion is missing
    r = client.post(f"/cases/{case_id}/transitions", json={"to": "decided"}, headers=li)
    assert (
        r.status_code == 409 and "集体讨论" in r.json()["message"] and "法制审核" not in r.json()["message"]
    )
    body = {"held_on": "2026-01-05", "participants": ["局长甲", "副局长乙"], "conclusion": "同意处罚"}
    r = client.post(f"/cases/{case_id}/collective-discussions", json=body, headers=li)
    assert r.status_code == 422 and r.json()["code"] == "TOO_FEW_PARTICIPANTS"
    body["participants"] = ["局长甲", "副局长乙", "副局长丙"]
    r = client.post(f"/cases/{case_id}/collective-discussions", json=body, headers=li)
    assert r.status_code == 201, r.text
    assert "副局长丙" in _pdf_text(client, li, case_id, "collective_discussion")
    assert client.get(f"/cases/{case_id}/major-decision", headers=li).json()["missing"] == []
    move(client, li, case_id, "decided")


def test_large_fine_needs_a_city_level_reviewer(client: TestClient, as_user: Any, app: Any) -> None:
    with app.state.sessionmaker() as session:
        county = create_user(session, "legal_county", PASSWORD, "410122", ["legal_reviewer"], None)
        session.commit()
        county_reviewer = {"Authorization": f"Bearer {create_token(SECRET, county.id, 60)}"}
    li = as_user("li")
    case_id = client.post("/cases", json=case_body(), headers=li).json()["case_id"]
    item = {"barcode": ZHONGHUA["carton"], "quantity": "7000"}
    assert client.post(f"/cases/{case_id}/items", json=item, headers=li).status_code == 201
    proposed = client.get(f"/cases/{case_id}/discretion", headers=li).json()["proposed_fine"]
    assert float(proposed) >= 200_000  # the seed's collective_discussion_fine_threshold
    assert client.put(f"/cases/{case_id}/fine", json={"fine_amount": proposed}, headers=li).status_code == 200
    verdict = client.get(f"/cases/{case_id}/major-decision", headers=li).json()
    assert {h["code"] for h in verdict["hits"]} == {"LARGE_FINE", "VERY_LARGE_FINE", "LARGE_CONFISCATION"}
    assert verdict["reviewer_level"] == "city"
    lr = client.post(f"/cases/{case_id}/approvals", json={"kind": "legal_review"}, headers=li).json()
    url = f"/approvals/{lr['approval_id']}/decision"
    decision = {
        "outcome": "approved",
        "conclusion": "同意",
        "note": "同意",
        "checklist": _checklist(client, li),
    }
    r = client.post(url, json=decision, headers=county_reviewer)
    assert r.status_code == 403 and r.json()["code"] == "REVIEWER_LEVEL"
    assert client.post(url, json=decision, headers=as_user("legal")).status_code == 200
