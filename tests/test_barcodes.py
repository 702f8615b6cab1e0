"""The decode ladder and its misread guard, without the API (fast: small images, no 12 MP photos).

Truth comes from outside the code under test: the expected codes of the real photos (their .txt files),
codes drawn by generator/barcode_photos.py from the GS1 tables, and zxing-cpp's own UPC-E expansion.
The accuracy and latency of the full ladder on phone-size photos is a benchmark
(benchmarks/bench_barcodes.py, docs/benchmarks.md), not a test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from generator.barcode_photos import ean13_modules, photo_half, real_photos, render_label
from zhifa.barcodes import ladder
from zhifa.barcodes.gtin import gtin_check_digit, normalise, upce_to_upca
from zhifa.barcodes.variants import rotate

PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "barcodes"
# Generous in tests: the budget only cuts the climb short on a loaded machine; the order is what is tested.
BUDGET_MS = 5000.0
# Measured on the held-out half (benchmarks/bench_barcodes.py, 2026-12-07, 220 ms budget, load 13–18):
# 46/48 upright and 46/48 tilted 8–20°, 0 wrong. The floors sit below that (this test tilts ±12/17° and
# runs without the budget's cut); 0 wrong confirmed codes is not negotiable.
HELD_OUT_FLOOR_UPRIGHT = 0.93
HELD_OUT_FLOOR_TILTED = 0.88

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
body12 = st.text(alphabet="0123456789", min_size=12, max_size=12)
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _canvas(label: np.ndarray, pad: int = 40, grey: int = 180) -> np.ndarray:
    h, w = label.shape
    out = np.full((h + 2 * pad, w + 2 * pad), grey, np.uint8)
    out[pad : pad + h, pad : pad + w] = label
    return out


def _decode(img: np.ndarray, **kw: object) -> ladder.LadderResult:
    return ladder.decode(img, budget_ms=BUDGET_MS, **kw)  # type: ignore[arg-type]


# --- GTIN rules ------------------------------------------------------------------------------------------
@given(body12)
def test_check_digit_matches_the_gs1_weights(body: str) -> None:
    total = sum(
        int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)
    )  # EAN-13: 1,3,1,3… from the left
    assert gtin_check_digit(body) == str((10 - total % 10) % 10)


@given(body12, digits)
def test_a_wrong_check_digit_is_never_a_code(body: str, check: str) -> None:
    code = body + check
    valid = check == gtin_check_digit(body)
    assert (normalise(code, "ean13") == code) is valid
    upca = code[1:]  # read as a 12-digit UPC-A: weights 3,1,3,… from the left over its 11 digits
    upca_valid = (
        sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(upca[:11])) % 10
        == (10 - int(upca[11])) % 10
    )
    assert normalise(upca, "upca") == ("0" + upca if upca_valid else None)


@given(st.sampled_from("01"), st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_upc_e_expands_as_zxing_does(system: str, data: str) -> None:
    """zxing-cpp encodes a UPC-E and reports the 13-digit expansion it reads back: ours must agree."""
    upca_body = upce_to_upca(system + data + "0")
    assert upca_body is not None
    check = gtin_check_digit(upca_body[:11])
    upce = system + data + check
    try:
        symbol = zxingcpp.create_barcode(upce[:7], zxingcpp.BarcodeFormat.UPCE)
    except ValueError:  # a non-canonical zero suppression zxing will not print
        assume(False)
    read = zxingcpp.read_barcodes(np.asarray(symbol.to_image(scale=3)))
    assert len(read) == 1
    assert normalise(upce, "upce") == read[0].text == "0" + upca_body[:11] + check


def test_ean8_and_upca_normal_forms() -> None:
    assert normalise("96385074", "ean8") == "96385074"
    assert normalise("96385075", "ean8") is None
    assert normalise("036000291452", "upca") == "0036000291452"
    assert normalise("5031512345678907ABCD410122100001", "code128") == "5031512345678907ABCD410122100001"
    assert normalise("HELLO", "code128") is None


# --- the guard -------------------------------------------------------------------------------------------
def test_guard_needs_both_engines_once_faithfully_or_the_catalog() -> None:
    s = ladder.Sighting
    one = [s("zxing-cpp", "photo", "ean13")]
    assert not ladder.is_confirmed(one, in_catalog=False)
    assert ladder.is_confirmed(one, in_catalog=True)
    assert not ladder.is_confirmed(one * 3, in_catalog=False)  # the same source repeating itself
    # one engine on several variants of one crop repeats its own misread (held-out photo 39, tilted)
    assert not ladder.is_confirmed(
        [s("pyzbar", v, "ean13") for v in ("crop0", "crop1", "crop1:unsharp")], in_catalog=False
    )
    assert ladder.is_confirmed([*one, s("pyzbar", "crop0", "ean13")], in_catalog=False)
    assert ladder.is_confirmed([*one, s("pyzbar", "rot+12", "ean13")], in_catalog=False)
    # blind variants only (a guessed angle, a scale, a threshold): not enough
    blind = [
        s("pyzbar", "x0.5", "ean13"),
        s("zxing-cpp", "threshold", "ean13"),
        s("zxing-cpp", "crop0:threshold", "ean13"),
    ]
    assert not ladder.is_confirmed(blind, in_catalog=False)
    short = [s("zxing-cpp", "photo", "upce"), s("pyzbar", "crop0", "upce"), s("pyzbar", "x2", "ean8")]
    assert not ladder.is_confirmed(short, in_catalog=False)  # only the catalog confirms a short symbol
    assert ladder.is_confirmed(short, in_catalog=True)


@FAST
@given(body12, st.integers(1, 9), st.integers(0, 2**32 - 1))
def test_a_corrupted_check_digit_never_comes_out_confirmed(body: str, shift: int, seed: int) -> None:
    """Bars drawn for a code whose last digit is wrong: both engines reject it, and nothing else (no
    'nearest valid code') may be confirmed either."""
    wrong = body + str((int(gtin_check_digit(body)) + shift) % 10)
    label = render_label(wrong, 2.5, np.random.default_rng(seed))
    result = _decode(_canvas(label))
    assert result.confirmed == [], (wrong, seed, result.decoder, result.steps, result.candidates)
    assert all(c.code != wrong for c in result.candidates)


@FAST
@given(body12, st.floats(1.6, 3.5), st.floats(-25, 25), st.integers(0, 2**32 - 1))
def test_a_rendered_code_decodes_to_itself(body: str, module_px: float, angle: float, seed: int) -> None:
    code = body + gtin_check_digit(body)
    img = rotate(_canvas(render_label(code, module_px, np.random.default_rng(seed))), angle)
    result = _decode(img)
    assert result.confirmed == [code], (result.confirmed, result.candidates, result.steps)


@FAST
@given(st.integers(0, 2**32 - 1), st.sampled_from(["blank", "noise", "stripes"]))
def test_blank_noise_or_stripes_never_give_a_confirmed_code(seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    if kind == "blank":
        img = np.full((240, 320), int(rng.integers(0, 256)), np.uint8)
    elif kind == "noise":
        img = rng.integers(0, 256, (240, 320), dtype=np.uint8)
    else:  # random vertical bars: barcode-like texture that encodes nothing
        row = np.repeat(rng.integers(0, 2, 80) * 255, 4).astype(np.uint8)
        img = np.tile(row, (240, 1))
    assert _decode(img).confirmed == []


def test_one_sighting_is_a_candidate_unless_in_the_catalog() -> None:
    code = "6901028075763"
    img = _canvas(render_label(code, 3, np.random.default_rng(1)))
    single = (("photo", "zxing"),)
    alone = _decode(img, plan=single)
    assert alone.confirmed == [] and [(c.code, c.seen_by) for c in alone.candidates] == [
        (code, ["zxing-cpp/photo"])
    ]
    assert _decode(img, plan=single, known={code}.__contains__).confirmed == [code]


def test_the_spray_code_is_read_from_a_data_matrix() -> None:
    spray = "5031512345678907ABCD410122100001"
    matrix = np.asarray(zxingcpp.create_barcode(spray, zxingcpp.BarcodeFormat.DataMatrix).to_image(scale=6))
    img = np.full((400, 700), 255, np.uint8)
    img[20 : 20 + matrix.shape[0], 20 : 20 + matrix.shape[1]] = matrix
    label = render_label("6901028075763", 2.5, np.random.default_rng(2))
    img[200 : 200 + label.shape[0], 250 : 250 + label.shape[1]] = label
    result = _decode(img)
    assert result.spray_codes == [spray] and result.confirmed == ["6901028075763"]


def test_drawn_modules_follow_the_gs1_tables() -> None:
    """The generator's bars against a published example (GS1: 4006381333931)."""
    modules = ean13_modules("4006381333931")
    assert len(modules) == 95 and modules[:3] == modules[-3:] == "101" and modules[45:50] == "01010"
    assert modules[3:10] == "0001101"  # '0' in set L (first digit 4 → parity LGLLGG)
    assert modules[10:17] == "0100111"  # '0' in set G


# --- the held-out half of the real photos -----------------------------------------------------------------
@pytest.fixture(scope="module")
def held_out() -> list[tuple[np.ndarray, str, str]]:
    rows = real_photos(PHOTOS, "held_out")
    assert 35 <= len(rows) <= 55  # the split is fixed (hash of file name): about half of 89
    return [(np.asarray(Image.open(p).convert("L")), code, p.name) for p, code in rows]


def test_split_is_fixed_and_disjoint() -> None:
    tuning = {p for p, _ in real_photos(PHOTOS, "tuning")}
    held = {p for p, _ in real_photos(PHOTOS, "held_out")}
    assert tuning.isdisjoint(held) and len(tuning | held) == 89
    assert photo_half("ean13-1/1.png") == photo_half("ean13-1/1.png")


def _rate(images: list[tuple[np.ndarray, str, str]]) -> tuple[float, list[str]]:
    right, wrong = 0, []
    for img, expected, name in images:
        got = _decode(img).confirmed
        right += got == [expected]
        if any(c != expected for c in got):
            wrong.append(f"{name}: {got} ≠ {expected}")
    return right / len(images), wrong


def test_held_out_photos_upright(held_out: list[tuple[np.ndarray, str, str]]) -> None:
    rate, wrong = _rate(held_out)
    assert wrong == [] and rate >= HELD_OUT_FLOOR_UPRIGHT, (rate, wrong)


def test_held_out_photos_tilted(held_out: list[tuple[np.ndarray, str, str]]) -> None:
    """Each photo turned inside its frame (12° one way, 17° the other, alternately), as a hand does."""
    tilted = [(rotate(img, 12 if i % 2 else -17), code, name) for i, (img, code, name) in enumerate(held_out)]
    rate, wrong = _rate(tilted)
    assert wrong == [] and rate >= HELD_OUT_FLOOR_TILTED, (rate, wrong)
