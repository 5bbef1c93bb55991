"""OCR on real Tesseract with generated letters: rotated, skewed, noisy, multi-page. Kept few: ~2 s a page."""

import datetime

import pytest

from mail import ocr
from tests.mail import letters


@pytest.fixture(scope="module")
def letter():
    return letters.make_letter(
        seed=21,
        kind="rsa",
        first_name="Nolwenn",
        last_name="KERHERVÉ",
        birth_date=datetime.date(1984, 5, 12),
        tracking_code="D-2026-K7M4QP",
        file_number="35-004512",
    )


def test_sideways_noisy_two_page_pdf_is_read_page_by_page(letter):
    data = letters.pdf_bytes(letter, pages=2, dpi=150, rotate=90, noise=0.01)
    document = ocr.read_document(data, "application/pdf")

    assert [page.number for page in document.pages] == [1, 2]
    first, second = document.pages
    assert first.rotation == 90
    assert "D-2026-K7M4QP" in first.text
    assert "35-004512" in first.text
    assert "12/05/1984" in first.text
    assert "KERHERV" in first.text
    assert "Page 2/2" in second.text
    assert first.confidence > 75
    assert document.confidence == pytest.approx((first.confidence + second.confidence) / 2, abs=0.1)
    assert document.text.startswith(first.text)


def test_upside_down_skewed_speckled_two_frame_tiff(letter):
    data = letters.tiff_bytes(letter, pages=2, dpi=150, rotate=180, skew=1.5, noise=0.02)
    page, second = ocr.read_document(data, "image/tiff").pages
    assert (page.rotation, second.rotation) == (180, 180)
    assert "D-2026-K7M4QP" in page.text
    assert "Page 2/2" in second.text


def test_blurred_jpeg_read_upright(letter):
    (page,) = ocr.read_document(letters.jpeg_bytes(letter, dpi=150, blur=1.0, quality=60), "image/jpeg").pages
    assert page.rotation == 0
    assert "Objet" in page.text
    assert "12/05/1984" in page.text


def test_page_past_its_time_budget_raises_a_french_timeout(letter):
    data = letters.png_bytes(letter, dpi=200)
    with pytest.raises(ocr.OcrTimeout) as timeout:
        ocr.read_document(data, "image/png", timeout=0.2)
    assert "délai" in timeout.value.reason
