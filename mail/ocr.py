"""OCR of a scan with Tesseract (French), page by page.

PDF pages are rendered with pypdfium2 at 300 dpi, or a scanned page at its image's own resolution
(150-400 dpi), less for very large pages (``MAIL_MAX_PIXELS``); TIFF frames and JPEG/PNG images are
read as they are (small images enlarged 2x, JPEG EXIF orientation applied); a 3x3 median filter
removes scanner speckle. Orientation: a page is first read as it is; when the mean word confidence
is low, Tesseract's orientation detection (OSD, ``--psm 0``) is asked, or, if it cannot tell, the
other three quarter turns are tried, and the best reading (by confidence) is kept.

Every Tesseract call shares one per-page budget, ``MAIL_OCR_TIMEOUT`` seconds (120): past it the
process is killed and ``OcrTimeout`` raised. Tesseract runs single-threaded (``OMP_THREAD_LIMIT=1``)
because parallelism comes from running several worker processes.
"""

from __future__ import annotations

import io
import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytesseract
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageFilter, ImageOps

from grc import uploads
from grc.filetypes import PDF

logger = logging.getLogger(__name__)

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

DEFAULT_TIMEOUT = 120
RENDER_DPI = 300
# Below this mean word confidence (0-100) a page is tried in other orientations.
LOW_CONFIDENCE = 70.0


class OcrError(Exception):
    """Recognition failed; ``reason`` is the French text shown to mailroom agents."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OcrTimeout(OcrError):
    pass


class ClaimLost(Exception):  # noqa: N818 - a signal, not an error
    """Raised by an ``on_page`` callback to stop reading: another worker has taken the item over."""


@dataclass(frozen=True)
class PageText:
    number: int
    text: str
    confidence: float | None  # mean word confidence 0-100; None when no word was found
    rotation: int = 0  # degrees the page was turned (clockwise) to be read


@dataclass(frozen=True)
class DocumentText:
    pages: list[PageText]

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages if page.text)

    @property
    def confidence(self) -> float | None:
        """Mean of the pages' confidences (pages without words are left out)."""
        values = [page.confidence for page in self.pages if page.confidence is not None]
        return round(sum(values) / len(values), 1) if values else None


def _pytesseract():
    command = getattr(settings, "TESSERACT_CMD", "") or ""
    if command:
        pytesseract.pytesseract.tesseract_cmd = command
    return pytesseract


def ocr_lang() -> str:
    return getattr(settings, "MAIL_OCR_LANG", "") or "fra"


def page_timeout() -> float:
    return float(getattr(settings, "MAIL_OCR_TIMEOUT", DEFAULT_TIMEOUT))


# -- pages as images ----------------------------------------------------------------------------


def _prepare(image: Image.Image, *, enlarge: bool = True) -> Image.Image:
    image = image.convert("L")
    if enlarge and max(image.size) < 1500:  # a low-resolution scan: Tesseract reads enlarged text better
        image = image.resize((image.width * 2, image.height * 2), Image.Resampling.LANCZOS)
    # Scanner speckle: a 3x3 median removes isolated dots and leaves 10-pt letters intact.
    return image.filter(ImageFilter.MedianFilter(3))


def _native_dpi(page) -> float:
    """The resolution to render a page at: a scanned page (one image) at its own resolution
    (150-400 dpi), so its pixels are neither invented nor smeared; anything else at 300 dpi."""
    width = page.get_size()[0]
    best = None
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1):
        left, _bottom, right, _top = image.get_bounds()
        if right - left > 0.8 * width:  # covers the page: a scan
            pixels = image.get_px_size()[0]
            best = max(best or 0, pixels / ((right - left) / 72))
    if best is None:
        return RENDER_DPI
    return min(max(best, 150), 400)


def page_images(data: bytes, content_type: str) -> Iterator[Image.Image]:
    """The scan's pages as grayscale images, one at a time (a long PDF is never all in memory)."""
    max_pixels = uploads.scan_policy().max_pixels
    if content_type == PDF:
        pdf = pdfium.PdfDocument(data)
        try:
            for index in range(len(pdf)):
                page = pdf[index]
                try:
                    width, height = page.get_size()  # points (1/72 inch)
                    scale = _native_dpi(page) / 72
                    if width * height * scale * scale > max_pixels:
                        scale = (max_pixels / (width * height)) ** 0.5
                    bitmap = page.render(scale=scale, grayscale=True)
                    image = bitmap.to_pil()
                    yield _prepare(image, enlarge=False)
                finally:
                    page.close()
        finally:
            pdf.close()
        return
    with Image.open(io.BytesIO(data)) as image:
        for frame in range(getattr(image, "n_frames", 1)):
            image.seek(frame)
            current = ImageOps.exif_transpose(image) if image.format == "JPEG" else image
            yield _prepare(current)


# -- one page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Budget:
    deadline: float
    seconds: float

    @classmethod
    def start(cls, seconds: float) -> _Budget:
        return cls(deadline=time.monotonic() + seconds, seconds=seconds)

    def timeout(self) -> OcrTimeout:
        return OcrTimeout(
            _("La reconnaissance d'une page a dépassé le délai de %(s)s s.") % {"s": f"{self.seconds:g}"}
        )

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.timeout()
        return left


def _call(function, *args, budget: _Budget, **kwargs):
    try:
        return function(*args, timeout=max(0.05, budget.remaining()), **kwargs)
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise budget.timeout() from None
        raise


def _read(image: Image.Image, *, budget: _Budget) -> tuple[str, float | None, int]:
    """(text, mean confidence, words) of an image as it is."""
    tesseract = _pytesseract()
    data = _call(tesseract.image_to_data, image, lang=ocr_lang(), output_type=tesseract.Output.DICT, budget=budget)
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences = []
    for index, word in enumerate(data["text"]):
        word = (word or "").strip()
        confidence = float(data["conf"][index])
        if not word or confidence < 0:
            continue
        confidences.append(confidence)
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        lines.setdefault(key, []).append(word)
    text_lines, previous_block = [], None
    for (block, _par, _line), words in lines.items():
        if previous_block is not None and block != previous_block:
            text_lines.append("")
        text_lines.append(" ".join(words))
        previous_block = block
    mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    return "\n".join(text_lines), mean, len(confidences)


def _osd_rotation(image: Image.Image, *, budget: _Budget) -> int | None:
    """Degrees (clockwise) Tesseract says the page must be turned, or None if it cannot tell."""
    tesseract = _pytesseract()
    try:
        output = _call(tesseract.image_to_osd, image, config="--psm 0", budget=budget)
    except tesseract.TesseractError:
        return None  # too few characters to decide
    match = re.search(r"Rotate:\s*(\d+)", output)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", output)
    if not match or (confidence and float(confidence.group(1)) < 1.0):
        return None
    return int(match.group(1)) % 360


def _score(confidence: float | None, words: int) -> float:
    return (confidence or 0.0) * min(words, 50)


def _turn(image: Image.Image, degrees: int) -> Image.Image:
    return image.rotate(-degrees, expand=True, fillcolor=255) if degrees else image


def read_page(image: Image.Image, *, number: int = 1, timeout: float | None = None, hint: int = 0) -> PageText:
    """Read one page, turning it if it reads badly; raises ``OcrTimeout`` past the page's budget.

    ``hint``: the turn the previous page needed (a scanner feeds a batch of sheets the same way),
    tried first.
    """
    budget = _Budget.start(timeout if timeout is not None else page_timeout())
    tried: set[int] = set()
    best = ("", None, 0, 0)

    def attempt(degrees: int) -> bool:
        nonlocal best
        tried.add(degrees)
        text, confidence, words = _read(_turn(image, degrees), budget=budget)
        if _score(confidence, words) > _score(best[1], best[2]) or not tried - {degrees}:
            best = (text, confidence, words, degrees)
        return confidence is not None and confidence >= LOW_CONFIDENCE

    if not attempt(hint % 360):
        rotation = _osd_rotation(_turn(image, hint % 360), budget=budget)
        if rotation is not None:
            candidates = [(hint + rotation) % 360]
        else:
            candidates = [0, 180, 90, 270]
        for degrees in candidates:
            if degrees not in tried and attempt(degrees):
                break
    text, confidence, _words, degrees = best
    return PageText(number=number, text=text, confidence=confidence, rotation=degrees)


def read_document(data: bytes, content_type: str, *, timeout: float | None = None, on_page=None) -> DocumentText:
    """Read every page of a scan. Raises ``OcrError`` (French reason) when it cannot be read.

    ``on_page(page)`` is called after each page (the worker renews its claim there).
    """
    pages = []
    try:
        hint = 0
        for number, image in enumerate(page_images(data, content_type), start=1):
            page = read_page(image, number=number, timeout=timeout, hint=hint)
            hint = page.rotation
            pages.append(page)
            if on_page is not None:
                on_page(page)
    except (OcrError, ClaimLost):
        raise
    except Exception as exc:
        tesseract = _pytesseract()
        if isinstance(exc, tesseract.TesseractNotFoundError):
            raise OcrError(_("Le moteur de reconnaissance (Tesseract) n'est pas installé sur le serveur.")) from exc
        if isinstance(exc, tesseract.TesseractError):
            raise OcrError(_("Le moteur de reconnaissance a échoué sur ce document.")) from exc
        raise OcrError(_("Le document n'a pas pu être lu (fichier endommagé ?).")) from exc
    return DocumentText(pages=pages)
