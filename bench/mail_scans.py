"""The evaluation corpus of incoming mail and its rendering as scanned paper.

``bench/corpus/mail_eval/<type>/NNN.txt`` holds letters written apart from the training corpus
(``mail/corpus/train/``) and from the routing rules, to measure the mail classifier on text it has
never seen. Each file has a header (the mail type, the register, the sender kind and the person the
letter is about: the citizen the benchmark creates, then expects the letter to be matched to), a
``---`` line, then the letter as printed or handwritten.

``render_scan`` draws a letter on A4 pages with a system TrueType font, then degrades it as a
flatbed scanner or a phone would (a slight tilt, blur, speckle, uneven paper, JPEG compression), so
the benchmark sends real image bytes through the real OCR (Tesseract), not simulated OCR noise.
Everything is deterministic given the seed.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent
EVAL_CORPUS = ROOT / "corpus" / "mail_eval"
HEADER_FIELDS = ("type", "register", "sender_kind", "last_name", "first_name", "birth_date", "postcode", "city")
# Set 3's writers named the oral and SMS registers and the family and association senders apart.
REGISTERS = {"formel", "courant", "familier", "professionnel", "oral", "sms"}
SENDER_KINDS = {"citizen", "professional", "family", "association"}
# The ten mail types every evaluation set covers, in the order the scenario cards draw them (the order fixes what a
# seed gives: bench/corpus/scenario_cards.py).
MAIL_TYPES = (
    "transport-scolaire",
    "rsa",
    "apa",
    "pch",
    "pmi",
    "ase",
    "subventions",
    "reclamation",
    "aide-financiere",
    "piece-justificative",
)
FORMATS = ("png", "jpeg", "pdf")
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "pdf": "application/pdf"}

FONT_DIR = Path("/usr/share/fonts/truetype")
# Typed letters (serif or sans, a typewriter); Liberation faces when the system has them.
TYPED_FONTS = (
    "dejavu/DejaVuSerif.ttf",
    "dejavu/DejaVuSans.ttf",
    "dejavu/DejaVuSerifCondensed.ttf",
    "dejavu/DejaVuSansCondensed.ttf",
    "dejavu/DejaVuSansMono.ttf",
    "liberation/LiberationSerif-Regular.ttf",
    "liberation/LiberationSans-Regular.ttf",
)
# Slanted faces, written large on widely spaced lines, stand in for a neat hand on lined paper.
HAND_FONTS = (
    "dejavu/DejaVuSans-Oblique.ttf",
    "dejavu/DejaVuSerif-Italic.ttf",
    "dejavu/DejaVuSansCondensed-Oblique.ttf",
)
A4_INCHES = (8.27, 11.69)


class CorpusError(ValueError):
    """A corpus file that does not follow the format (the message names the file)."""


@dataclass(frozen=True)
class EvalLetter:
    path: Path
    type: str
    register: str
    sender_kind: str
    last_name: str
    first_name: str
    birth_date: date
    postcode: str
    city: str
    sender_postcode: str
    text: str

    @property
    def name(self) -> str:
        """``<type>/NNN``: the letter's stable name in reports."""
        return f"{self.path.parent.name}/{self.path.stem}"


def parse_letter(path: Path) -> EvalLetter:
    """One corpus file; raises ``CorpusError`` naming the file and the fault."""
    raw = path.read_text(encoding="utf-8")
    head, separator, body = raw.partition("\n---\n")
    if not separator:
        raise CorpusError(f"{path}: no '---' line between the header and the letter")
    fields: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise CorpusError(f"{path}: header line without ':': {line!r}")
        fields[key.strip()] = value.strip()
    missing = [name for name in HEADER_FIELDS if not fields.get(name)]
    if missing:
        raise CorpusError(f"{path}: header lacks {', '.join(missing)}")
    if fields["type"] != path.parent.name:
        raise CorpusError(f"{path}: type {fields['type']!r} in a folder named {path.parent.name!r}")
    if fields["register"] not in REGISTERS or fields["sender_kind"] not in SENDER_KINDS:
        raise CorpusError(f"{path}: unknown register or sender_kind")
    if fields["sender_kind"] == "professional" and not fields.get("sender_postcode"):
        raise CorpusError(f"{path}: a professional sender needs sender_postcode")
    try:
        birth_date = date.fromisoformat(fields["birth_date"])
    except ValueError as exc:
        raise CorpusError(f"{path}: birth_date {fields['birth_date']!r} is not YYYY-MM-DD") from exc
    text = body.strip("\n")
    if not text.strip():
        raise CorpusError(f"{path}: empty letter")
    return EvalLetter(
        path=path,
        type=fields["type"],
        register=fields["register"],
        sender_kind=fields["sender_kind"],
        last_name=fields["last_name"],
        first_name=fields["first_name"],
        birth_date=birth_date,
        postcode=fields["postcode"],
        city=fields["city"],
        sender_postcode=fields.get("sender_postcode", ""),
        text=text,
    )


def load_eval_corpus(path: Path = EVAL_CORPUS) -> list[EvalLetter]:
    """Every letter under ``path`` (``<type>/NNN.txt``), in a stable order (type, then number)."""
    return [parse_letter(file) for file in sorted(Path(path).glob("*/*.txt"))]


# -- layout -------------------------------------------------------------------------------------


def available_fonts(names: tuple[str, ...] = TYPED_FONTS + HAND_FONTS) -> list[Path]:
    return [FONT_DIR / name for name in names if (FONT_DIR / name).exists()]


_DATE_LINE = re.compile(r"^(\S.{0,40},\s*)?le\s+\d{1,2}(er)?\b", re.IGNORECASE)


def _wrap(line: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    words, rows, current = line.split(" "), [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and font.getlength(candidate) > width:
            rows.append(current)
            current = word
        else:
            current = candidate
    rows.append(current)
    return rows


def _paragraphs(text: str) -> list[list[str]]:
    blocks, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _is_address_block(block: list[str], index: int) -> bool:
    """The addressee, set to the right as in a French letter: a short second block of short lines."""
    return index == 1 and len(block) <= 6 and all(len(line) <= 48 for line in block)


@dataclass(frozen=True)
class _Layout:
    dpi: int
    font: ImageFont.FreeTypeFont
    line_height: int
    left: int
    top: int
    right: int
    bottom: int

    @property
    def size(self) -> tuple[int, int]:
        return round(A4_INCHES[0] * self.dpi), round(A4_INCHES[1] * self.dpi)


def _layout(rng: random.Random) -> _Layout:
    dpi = rng.choice((200, 240, 300))
    hand = rng.random() < 0.35
    fonts = available_fonts(HAND_FONTS if hand else TYPED_FONTS) or available_fonts()
    if not fonts:
        raise RuntimeError("no TrueType font found under /usr/share/fonts/truetype (install fonts-dejavu-core)")
    points = rng.uniform(14.0, 16.0) if hand else rng.uniform(10.5, 12.5)
    font = ImageFont.truetype(str(rng.choice(fonts)), round(points * dpi / 72))
    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    spacing = rng.uniform(1.8, 2.1) if hand else rng.uniform(1.3, 1.5)
    return _Layout(
        dpi=dpi,
        font=font,
        line_height=round(font.size * spacing),
        left=round(rng.uniform(0.8, 1.1) * dpi),
        top=round(rng.uniform(0.7, 1.0) * dpi),
        right=width - round(rng.uniform(0.7, 0.9) * dpi),
        bottom=height - round(0.8 * dpi),
    )


def _placed_lines(text: str, layout: _Layout) -> list[list[tuple[int, str]]]:
    """Pages of (x, text) rows; a blank row is ``(0, "")``."""
    column = layout.left + round((layout.right - layout.left) * 0.52)
    rows: list[tuple[int, str]] = []
    for index, block in enumerate(_paragraphs(text)):
        if rows:
            rows.append((0, ""))
        for line in block:
            if _DATE_LINE.match(line) and len(line) <= 48:
                rows.append((layout.right - round(layout.font.getlength(line)), line))
            elif _is_address_block(block, index):
                rows.append((column, line))
            else:
                rows.extend((layout.left, part) for part in _wrap(line, layout.font, layout.right - layout.left))
    per_page = (layout.bottom - layout.top) // layout.line_height
    pages = [rows[start : start + per_page] for start in range(0, len(rows), per_page)]
    for page in pages[1:]:
        while page and not page[0][1]:
            page.pop(0)
    return pages


def _draw_page(rows: list[tuple[int, str]], layout: _Layout, ink: int) -> Image.Image:
    image = Image.new("L", layout.size, 255)
    draw = ImageDraw.Draw(image)
    y = layout.top
    for x, line in rows:
        if line:
            draw.text((x, y), line, font=layout.font, fill=ink)
        y += layout.line_height
    return image


# -- the scanner --------------------------------------------------------------------------------


def _uneven_paper(size: tuple[int, int], rng: random.Random) -> np.ndarray:
    """Paper tone with a gentle light fall-off across the page, values about 215-250."""
    corners = np.array([[rng.uniform(225, 250) for _ in range(3)] for _ in range(4)])
    small = Image.fromarray(corners.astype(np.uint8), "L")
    return np.asarray(small.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)


def _scan(page: Image.Image, rng: random.Random, dpi: int) -> Image.Image:
    noise = np.random.default_rng(rng.getrandbits(32))
    turned = page.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    blurred = turned.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9) * dpi / 300))
    ink = 1.0 - np.asarray(blurred, dtype=np.float32) / 255.0  # 0 paper, 1 full ink
    paper = _uneven_paper(page.size, rng)
    pixels = paper * (1.0 - ink) + ink * rng.uniform(15, 50)
    pixels += noise.normal(0.0, rng.uniform(3.0, 8.0), pixels.shape)
    # Speckle: isolated dark dots (dust on the glass) and a few white ones in the strokes.
    dots = noise.random(pixels.shape)
    density = rng.uniform(0.0005, 0.002)
    pixels[dots < density] = noise.uniform(20, 120, int((dots < density).sum()))
    pixels[dots > 1 - density / 3] = 245
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")


def _jpeg_pass(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.copy()


def _tinted(image: Image.Image, rng: random.Random) -> Image.Image:
    """A colour scan of white paper is rarely grey: a slight warm or cold cast."""
    if rng.random() < 0.5:
        return image
    red, green, blue = (rng.uniform(0.96, 1.0) for _ in range(3))
    return Image.merge("RGB", [image.point(lambda v, k=k: round(v * k)) for k in (red, green, blue)])


def choose_format(*, seed: int, pages: int = 1) -> str:
    """The format a letter is scanned to: PNG, JPEG or PDF by seed; a letter of several sheets is
    always a PDF, as a scanning station makes one file of a batch of sheets."""
    if pages > 1:
        return "pdf"
    return random.Random(f"format-{seed}").choice(FORMATS)


def page_count(text: str, *, seed: int) -> int:
    """How many sheets ``render_scan`` makes of the letter with this seed (layout only, no drawing)."""
    return len(_placed_lines(text, _layout(random.Random(seed))))


def render_pages(text: str, *, seed: int) -> tuple[list[Image.Image], int]:
    """The letter as scanned page images and their resolution (dpi)."""
    rng = random.Random(seed)
    layout = _layout(rng)
    ink = rng.randint(0, 40)
    pages = []
    for rows in _placed_lines(text, layout):
        scanned = _scan(_draw_page(rows, layout, ink), rng, layout.dpi)
        scanned = _jpeg_pass(scanned, rng.randint(55, 90))
        pages.append(_tinted(scanned, rng))
    return pages, layout.dpi


def render_scan(text: str, *, seed: int, fmt: str | None = None) -> list[bytes]:
    """The letter scanned to files: a PDF holds every page in one file; PNG and JPEG give one file
    per page (so one file unless ``fmt`` forces an image format on a long letter).
    ``fmt`` None chooses by seed (``choose_format``)."""
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown scan format {fmt!r} (one of {', '.join(FORMATS)})")
    pages, dpi = render_pages(text, seed=seed)
    fmt = fmt or choose_format(seed=seed, pages=len(pages))
    quality = random.Random(f"quality-{seed}").randint(60, 88)
    if fmt == "pdf":
        buffer = io.BytesIO()
        pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=dpi, quality=quality)
        return [buffer.getvalue()]
    files = []
    for page in pages:
        buffer = io.BytesIO()
        if fmt == "jpeg":
            page.save(buffer, "JPEG", quality=quality, dpi=(dpi, dpi))
        else:
            page.save(buffer, "PNG", dpi=(dpi, dpi))
        files.append(buffer.getvalue())
    return files


def scan_format(data: bytes) -> str:
    """The format of rendered bytes (``png``, ``jpeg`` or ``pdf``), for the upload's content type."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpeg"
    raise ValueError("not a rendered scan")


# -- checking that Tesseract reads the renders --------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: how names are compared across OCR and source text."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def char_error_rate(reference: str, read: str) -> float:
    """Levenshtein distance / reference length, on texts whose runs of whitespace are one space
    (line breaks depend on the layout, not on reading)."""
    reference, read = " ".join(reference.split()), " ".join(read.split())
    previous = list(range(len(read) + 1))
    for i, expected in enumerate(reference, start=1):
        current = [i]
        for j, got in enumerate(read, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (expected != got)))
        previous = current
    return previous[-1] / max(1, len(reference))


def ocr_sample(letters: list[EvalLetter], *, count: int = 10) -> list[dict]:
    """Render ``count`` letters spread over the types (seed = position in the corpus) and read them
    with the real OCR (``mail.ocr.read_document``): confidence, CER, and whether the person's last
    name survives the reading."""
    # Imported here: the corpus and the renderer are used without Django (tests, other benches).
    from mail import ocr

    step = max(1, len(letters) // count)
    rows = []
    # One letter per stretch of the (type-ordered) corpus, a different number in each type.
    for index in [min(len(letters) - 1, n * step + n % step) for n in range(min(count, len(letters)))]:
        letter = letters[index]
        files = render_scan(letter.text, seed=index)
        fmt = scan_format(files[0])
        started = time.perf_counter()
        pages = [ocr.read_document(data, CONTENT_TYPES[fmt]) for data in files]
        text = "\n".join(page.text for page in pages)
        confidences = [page.confidence for page in pages if page.confidence is not None]
        rows.append(
            {
                "letter": letter.name,
                "format": fmt,
                "pages": sum(len(page.pages) for page in pages),
                "confidence": round(sum(confidences) / len(confidences), 1) if confidences else None,
                "cer": round(char_error_rate(letter.text, text), 4),
                "name_read": fold(letter.last_name) in fold(text),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    return rows


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT.parent))
    django.setup()
    parser = argparse.ArgumentParser(description="OCR a sample of the rendered evaluation letters.")
    parser.add_argument("--count", type=int, default=10)
    args = parser.parse_args()
    letters = load_eval_corpus()
    print(f"evaluation corpus: {len(letters)} letters, {len({letter.type for letter in letters})} types")
    rows = ocr_sample(letters, count=args.count)
    for row in rows:
        print("  ".join(f"{key}={value}" for key, value in row.items()))
    confidences = [row["confidence"] for row in rows if row["confidence"] is not None]
    print(
        f"mean confidence {statistics.mean(confidences):.1f}, mean CER {statistics.mean(r['cer'] for r in rows):.2%}, "
        f"worst CER {max(r['cer'] for r in rows):.2%}, last name read {sum(r['name_read'] for r in rows)}/{len(rows)}"
    )


if __name__ == "__main__":
    main()
