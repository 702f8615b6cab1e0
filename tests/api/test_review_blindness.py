"""Blind re-review: every GET route of the app (walked from the OpenAPI document, so routes added later
are covered too), called with the re-reviewer's token and every path / query parameter filled with the
ids of the dossier, its tasks and reviews, never returns the first review's score, grade or comments —
JSON, text, and the text inside XLSX/DOCX (zip) and PDF downloads."""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from review_support import Finding, add_dossier, add_users, bearer

FINDINGS = [Finding("R001", "failed"), Finding("R002", "failed"), Finding("R014", "human")]
FIRST_POINTS = 26.75  # 100 − 2 − 0.5 − 26.75 = 70.75: a score nothing else in the store has
FIRST_SCORE = "70.75"
FIRST_COMMENT = "首评秘密意见XQ7"
FIRST_ITEM_COMMENT = "首评扣分说明XQ7"
FIRST_REJECT = "首评驳回理由XQ7"


def _texts(r: httpx.Response) -> list[str]:
    """Every readable text of a response, unpacking office zips and PDFs."""
    body = r.content
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    if body.startswith(b"%PDF"):
        return [page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages]
    return [body.decode("utf-8", "replace")]


def _grades(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """(key path, value) of every JSON field naming a human grade or score."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{path}.{k}"
            if re.search(r"grade|score", k) and not k.startswith("machine"):
                out.append((p, v))
            out.extend(_grades(v, p))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_grades(v, f"{path}[{i}]"))
    return out


@pytest.fixture
def scene(app: Any) -> dict[str, Any]:
    ids = add_users(app)
    dossier = add_dossier(app, "C410122-blind", "410122", uploader=ids["quality"], findings=FINDINGS)
    q, first, second = bearer(ids["quality"]), bearer(ids["r_kf"]), bearer(ids["r_kf2"])
    with TestClient(app) as c:
        [task] = [
            t["task_id"] for t in c.post("/review-tasks", json={"dossier_ids": [dossier]}, headers=q).json()
        ]
        assert c.post(f"/review-tasks/{task}/claim", headers=first).status_code == 200
        body = {
            "decisions": [
                {"rule_id": "R001", "decision": "confirm", "comment": FIRST_ITEM_COMMENT},
                {"rule_id": "R002", "decision": "confirm"},
                {"rule_id": "R014", "decision": "reject", "comment": FIRST_REJECT},
            ],
            "additions": [{"rule_id": "R040", "points": FIRST_POINTS, "comment": FIRST_ITEM_COMMENT}],
            "comment": FIRST_COMMENT,
        }
        r = c.post(f"/review-tasks/{task}/submit", json=body, headers=first)
        assert r.status_code == 200, r.text
        review = r.json()["review"]
        assert f"{review['total_score']:.2f}" == FIRST_SCORE and review["grade"] == "合格"
        rr = c.post("/review-tasks", json={"dossier_ids": [dossier], "mode": "re_review"}, headers=q).json()
        rr_task = rr[0]["task_id"]
        pool = c.get("/review-tasks/pool", headers=second).json()  # before claiming: the pool is blind too
        assert c.post(f"/review-tasks/{rr_task}/claim", headers=second).status_code == 200
        plan = {"name": "盲评抽查", "rate": 0.5, "seed": "blind"}
        plan_id = c.post("/sampling-plans", json=plan, headers=q).json()["plan_id"]
        draw_id = c.post(f"/sampling-plans/{plan_id}/draw", headers=q).json()["draw_id"]
    return {
        "ids": ids,
        "pool": pool,
        "first_grade": review["grade"],
        "values": {
            "task_id": [task, rr_task],
            "dossier_id": [dossier],
            "review_id": [review["review_id"], 1],
            "case_id": ["C410122-blind"],
            "plan_id": [plan_id],
            "draw_id": [draw_id],
        },
    }


def test_no_get_route_shows_the_first_review_to_the_re_reviewer(app: Any, scene: dict[str, Any]) -> None:
    values: dict[str, list[Any]] = scene["values"]
    every = sorted({str(v) for vs in values.values() for v in vs})
    second = bearer(scene["ids"]["r_kf2"])
    secrets = (FIRST_SCORE, FIRST_COMMENT, FIRST_ITEM_COMMENT, FIRST_REJECT)
    leaks, called = [], []
    with TestClient(app) as c:
        assert c.get(f"/review-tasks/{values['task_id'][1]}", headers=second).status_code == 200
        for path, ops in app.openapi()["paths"].items():
            if "get" not in ops:
                continue
            params = ops["get"].get("parameters", [])
            in_path = [p["name"] for p in params if p["in"] == "path"]
            in_query = [p["name"] for p in params if p["in"] == "query" and p["name"] in values]
            choices = [values.get(n, every) for n in in_path + in_query]
            for combo in itertools.product(*choices):
                url = path
                for name, value in zip(in_path, combo, strict=False):
                    url = url.replace("{" + name + "}", str(value))
                query = dict(zip(in_query, combo[len(in_path) :], strict=True))
                r = c.get(url, params=query, headers=second)
                called.append((url, query, r.status_code))
                texts = _texts(r)
                leaks += [(url, query, s) for s in secrets if any(s in t for t in texts)]
                if "json" in r.headers.get("content-type", ""):
                    leaks += [
                        (url, query, f"{k}={v}")
                        for k, v in _grades(r.json())
                        if v is not None and str(v) in (FIRST_SCORE, scene["first_grade"], "70.75")
                    ]
    assert leaks == [], leaks
    ok = {url for url, _, status in called if status == 200}
    # the routes a re-reviewer really reads were reached, not refused
    assert {f"/review-tasks/{values['task_id'][1]}", "/review-tasks/mine", "/review-tasks/pool"} <= ok, called
    assert "/human-reviews" in ok
    assert json.dumps(scene["pool"], ensure_ascii=False).count(FIRST_SCORE) == 0


def test_hides_results_helper_for_other_views(app: Any, scene: dict[str, Any]) -> None:
    """What another module showing a dossier asks before showing human scores."""
    from api.models import Dossier, User
    from api.review.services.human_review import hides_results

    with app.state.sessionmaker() as s:
        dossier = s.get(Dossier, scene["values"]["dossier_id"][0])
        assert dossier is not None
        verdict = {
            name: hides_results(s, s.get(User, scene["ids"][name]), dossier)
            for name in ("r_kf2", "r_city", "r_kf", "quality")
        }
    # the re-reviewer and any other reviewer are blind; the first reviewer and quality staff are not
    assert verdict == {"r_kf2": True, "r_city": True, "r_kf": False, "quality": False}
