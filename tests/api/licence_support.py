"""A small licensing world for the HTTP and browser tests: a shop's position, points a given number of
metres north of it, an application body, materials as PDFs, a photo, and the path to the on-site check."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from PIL import Image

from zhifa.settings import SEEDS_DIR

R = 6_371_008.8
SHOP = (34.7600, 113.6200)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def north(metres: float) -> tuple[float, float]:
    """The point ``metres`` due north of the shop (an arc of R·Δφ along its meridian)."""
    return SHOP[0] + math.degrees(metres / R), SHOP[1]


def seed(name: str, **match: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if all(r[k] == v for k, v in match.items())]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


NEW_MATERIALS = [r["material_code"] for r in seed("ref_licence_materials.csv", application_kind="new")]


def body(address: str, at: tuple[float, float], name: str = "张三") -> dict[str, Any]:
    return {
        "kind": "new",
        "applicant_type": "individual",
        "applicant_name": name,
        "applicant_id_no": "410122199001011234",
        "applicant_phone": "13800138000",
        "shop_name": f"{name}便利店",
        "place_address": address,
        "lat": at[0],
        "lon": at[1],
    }


def upload(client: Any, who: dict[str, str], app_id: str, codes: list[str]) -> dict[str, Any]:
    r = None
    for code in codes:
        r = client.post(
            f"/licensing/applications/{app_id}/materials",
            data={"material_code": code},
            files={"file": (f"{code}.pdf", PDF, "application/pdf")},
            headers=who,
        )
        assert r.status_code == 201, r.text
    assert r is not None
    return dict(r.json())


def to_site_check(
    client: Any, counter: dict[str, str], head: dict[str, str], application: dict[str, Any]
) -> str:
    """Received with every material, accepted, assigned to li and wang: the id."""
    r = client.post("/licensing/applications", json=application, headers=counter)
    assert r.status_code == 201, r.text
    app_id = str(r.json()["application_id"])
    upload(client, counter, app_id, NEW_MATERIALS)
    r = client.post(f"/licensing/applications/{app_id}/completeness", headers=counter)
    assert r.json()["status"] == "accepted", r.text
    r = client.post(
        f"/licensing/applications/{app_id}/assignment", json={"officers": ["li", "wang"]}, headers=head
    )
    assert r.status_code == 200, r.text
    return app_id


def onsite(
    client: Any,
    who: dict[str, str],
    app_id: str,
    at: tuple[float, float] | None,
    photos: int = 1,
    key: str | None = None,
) -> Any:
    data: dict[str, Any] = {"signed_by": "张三", "accuracy_m": "8"}
    if at:
        data |= {"lat": str(at[0]), "lon": str(at[1])}
    files = [("photos", (f"p{i}.png", png(), "image/png")) for i in range(photos)]
    headers = who | ({"Idempotency-Key": key} if key else {})
    return client.post(
        f"/licensing/applications/{app_id}/onsite", data=data, files=files or None, headers=headers
    )


def licensed_neighbour(
    client: Any, counter: dict[str, str], head: dict[str, str], officer: dict[str, str]
) -> str:
    """A retailer licensed at SHOP through the whole path: its licence number."""
    app_id = to_site_check(client, counter, head, body("中牟县青年路1号", SHOP, name="王五"))
    assert onsite(client, officer, app_id, SHOP).status_code == 201
    r = client.post(f"/licensing/applications/{app_id}/decision", json={"outcome": "approved"}, headers=head)
    assert r.status_code == 200 and r.json()["licence_no"], r.text
    return str(r.json()["licence_no"])
