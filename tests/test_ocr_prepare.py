"""What OCR is given: a flat scan scaled to 150 dpi and cut to its ink; a photo's dark surroundings kept."""

from __future__ import annotations

from PIL import Image, ImageDraw

from ingestion.recognition.ocr import MAX_WIDTH_PX, TEXT_MARGIN_PX, _limit_width, _text_region


def _page(width: int, height: int, paper: int, box: tuple[int, int, int, int]) -> Image.Image:
    image = Image.new("RGB", (width, height), (paper, paper, paper))
    ImageDraw.Draw(image).rectangle(box, fill=(20, 20, 20))
    return image


def test_flat_scan_is_cut_to_its_ink() -> None:
    image = _page(1000, 1400, 255, (200, 300, 799, 899))
    cut = _text_region(image)
    assert cut.size == (600 + 2 * TEXT_MARGIN_PX, 600 + 2 * TEXT_MARGIN_PX)


def test_photo_with_dark_surroundings_stays_whole() -> None:
    image = _page(1000, 1400, 90, (0, 0, 0, 0))  # a dark table around the sheet
    ImageDraw.Draw(image).rectangle((100, 100, 899, 1299), fill=(220, 220, 220))
    ImageDraw.Draw(image).rectangle((300, 400, 600, 420), fill=(30, 30, 30))
    assert _text_region(image).size == image.size


def test_blank_page_is_left_alone() -> None:
    image = Image.new("RGB", (300, 400), "white")
    assert _text_region(image).size == (300, 400)


def test_wide_scans_are_scaled_to_150_dpi_and_narrow_ones_kept() -> None:
    assert _limit_width(Image.new("RGB", (1654, 2339), "white")).size == (MAX_WIDTH_PX, 1754)
    assert _limit_width(Image.new("RGB", (992, 1403), "white")).size == (992, 1403)
