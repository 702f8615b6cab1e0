"""Bad and awkward photos through ``POST /scan``: each gets a clear answer, never a 500, never a code that
is not in the picture; and an unconfirmed reading comes back as a candidate, not as the answer."""

from __future__ import annotations

import io
from typing import Any

import pytest
from apitest_support import PHOTO, PHOTO_CODE
from fastapi.testclient import TestClient
from PIL import Image

from api.capture.services import barcodes
from zhifa.barcodes import ladder


def _post(client: TestClient, headers: dict[str, str], data: bytes, name: str = "p.jpg") -> Any:
    return client.post("/scan", files={"file": (name, data, "image/jpeg")}, headers=headers)


def _jpeg(img: Image.Image, **kw: Any) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=92, **kw)
    return buf.getvalue()


def test_photo_code_is_confirmed_and_named(client: TestClient, as_user: Any) -> None:
    r = _post(client, as_user("li"), PHOTO.read_bytes(), "1.png")
    body = r.json()
    assert r.status_code == 200 and body["confirmed"] == body["codes"] == [PHOTO_CODE]
    assert body["candidates"] == [] and body["product"]["product_code"] == "P003"


def test_exif_orientation_is_honoured(client: TestClient, as_user: Any) -> None:
    """A portrait phone photo is stored turned with an EXIF tag saying so: the decoder sees it upright."""
    upright = Image.open(PHOTO).convert("L")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the sensor wrote
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90° clockwise to view": undoes the counter-clockwise ROTATE_90 above
    data = _jpeg(stored, exif=exif)
    opened = barcodes.open_image(data)
    assert opened.size == upright.size
    diff = sum(
        abs(a - b)
        for a, b in zip(opened.resize((64, 48)).getdata(), upright.resize((64, 48)).getdata(), strict=True)
    )
    assert diff / (64 * 48) < 12  # the same picture, up to JPEG loss
    r = _post(client, as_user("li"), data)
    assert r.status_code == 200 and r.json()["confirmed"] == [PHOTO_CODE]


def test_heic_from_a_phone_is_decoded(client: TestClient, as_user: Any) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.open(PHOTO).convert("RGB").save(buf, "HEIF", quality=80, enc_params={"preset": "ultrafast"})
    r = client.post("/scan", files={"file": ("p.heic", buf.getvalue(), "image/heic")}, headers=as_user("li"))
    assert r.status_code == 200 and r.json()["confirmed"] == [PHOTO_CODE], r.text


def test_animated_gif_is_refused(client: TestClient, as_user: Any) -> None:
    frames = [Image.open(PHOTO).convert("P"), Image.new("P", (640, 480), 3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    r = client.post("/scan", files={"file": ("a.gif", buf.getvalue(), "image/gif")}, headers=as_user("li"))
    assert r.status_code == 415 and r.json()["code"] == "ANIMATED_IMAGE", r.text


def test_truncated_jpeg_is_refused(client: TestClient, as_user: Any) -> None:
    data = _jpeg(Image.open(PHOTO))
    r = _post(client, as_user("li"), data[: len(data) // 2])
    assert r.status_code == 422 and r.json()["code"] == "NOT_AN_IMAGE", r.text


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 40,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 60,
        b"%PDF-1.7\n1 0 obj",
        b"\x00\x00\x00\x18ftypheic",
    ],
    ids=["gif-header-only", "png-header-only", "pdf", "heic-header-only"],
)
def test_broken_headers_are_not_images(client: TestClient, as_user: Any, data: bytes) -> None:
    r = _post(client, as_user("li"), data)
    assert r.status_code == 422 and r.json()["code"] == "NOT_AN_IMAGE", r.text


def test_a_single_reading_is_only_a_candidate(
    client: TestClient, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One engine on one variant is one sighting: not in the catalog, it comes back as a candidate with
    its evidence; the same reading of a catalog code is confirmed."""
    monkeypatch.setattr(ladder, "DEFAULT_PLAN", (("photo", "zxing"),))
    other = Image.open(PHOTO.parent / "10.png")  # its code is not in the test catalog
    r = _post(client, as_user("li"), _jpeg(other))
    body = r.json()
    expected = (PHOTO.parent / "10.txt").read_text().strip()
    assert (
        r.status_code == 200 and body["confirmed"] == [] and body["codes"] == [] and body["product"] is None
    )
    assert body["candidates"] == [{"code": expected, "symbology": "ean13", "seen_by": ["zxing-cpp/photo"]}]
    r = _post(client, as_user("li"), PHOTO.read_bytes())
    assert r.json()["confirmed"] == [PHOTO_CODE] and r.json()["decoder"] == "zxing-cpp/photo"
