"""Hostile and good files for the upload gate's tests, made at test time (nothing big is committed).

Each ``HOSTILE`` file says what a person should read when it is refused, per policy: ``document``
(social-file documents, request attachments, portal messages) and ``scan`` (mail intake). Bombs are
small on disk: a 200 MB zip bomb is ~200 KB, a 20000 x 20000 PNG a few KB.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, PngImagePlugin
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from demo.files import pdf_from_objects

MB = 1024 * 1024
# The tests lower DOCUMENT_MAX_BYTES and MAIL_MAX_BYTES to this, so "too big" needs no 30 MB file.
TEST_MAX_BYTES = 2 * MB

NOT_ACCEPTED_DOCUMENT = "Ce format de fichier n'est pas accepté"
NOT_ACCEPTED_SCAN = "Ce format n'est pas accepté"
ACTIVE = "contient du code HTML ou un script"
BOMB = "anormalement volumineuses"
PIXELS = "trop grande"


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _image(fmt: str, size=(40, 30), color="white", **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def pdf(text: str = "Attestation", pages: int = 1, **options) -> bytes:
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, pagesize=A4, **options)
    for page in range(pages):
        document.drawString(72, 760, f"{text} {page + 1}")
        document.showPage()
    document.save()
    return buffer.getvalue()


def _office(entries: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content, compress_type=zipfile.ZIP_STORED if name == "mimetype" else None)
    return buffer.getvalue()


_DOCX_PARTS = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="urn:ct"/>',
    "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body/></w:document>',
}


def docx(extra: dict[str, bytes] | None = None, text: str = "CV") -> bytes:
    return _office({**_DOCX_PARTS, "docProps/app.xml": text.encode(), **(extra or {})})


def xlsx() -> bytes:
    return _office({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})


def odf(mimetype: str) -> bytes:
    return _office({"mimetype": mimetype.encode(), "content.xml": b"<office:document-content/>"})


def zip_bomb_docx(unpacked: int = 200 * MB) -> bytes:
    """A Word document whose one extra part inflates to ``unpacked`` bytes of zeros (~1/1000 on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in _DOCX_PARTS.items():
            archive.writestr(name, content)
        block = b"\x00" * MB
        with archive.open("word/media/image1.bin", "w", force_zip64=True) as member:
            for _i in range(unpacked // MB):
                member.write(block)
    return buffer.getvalue()


def pdf_bomb(unpacked: int = 200 * MB) -> bytes:
    """A one-page PDF whose content stream inflates to ``unpacked`` bytes of spaces."""
    compressor = zlib.compressobj(9)
    block = b" " * MB
    stream = b"".join(compressor.compress(block) for _i in range(unpacked // MB)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n" + stream + b"\nendstream",
    ]
    return pdf_from_objects(objects)


def png_bomb(side: int = 20_000) -> bytes:
    """A valid-looking 1-bit PNG of ``side`` x ``side`` pixels: a few KB that decode to 400 Mpx."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\xff" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _i in range(side)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")


def jpeg_bomb(side: int = 60_000) -> bytes:
    """A tiny JPEG whose frame header claims ``side`` x ``side`` pixels (3.6 billion)."""
    data = bytearray(_image("JPEG", size=(16, 16)))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, side, side)
    return bytes(data)


def png_with_script() -> bytes:
    """A real PNG carrying HTML in a text chunk: an image and a page at once (polyglot)."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><script>fetch('/api/v1/citizens')</script></html>")
    return _image("PNG", pnginfo=info)


def jpeg_with_script() -> bytes:
    data = _image("JPEG")
    comment = b"<script>alert(document.cookie)</script>"
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


def docx_nested_archive() -> bytes:
    inner = _office({"payload.txt": b"x" * 100})
    return docx({"word/embeddings/oleObject1.bin": inner})


def docx_many_entries(count: int = 5000) -> bytes:
    return docx({f"word/media/part{i}.xml": b"<p/>" for i in range(count)})


def docx_high_ratio() -> bytes:
    """Under the total limit (50 MB), but one part inflates a thousand to one."""
    return zip_bomb_docx(unpacked=50 * MB)


def docx_with_macros() -> bytes:
    return docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 VBA macro storage"})


def too_big_pdf() -> bytes:
    return pdf() + b"%" + b"0" * TEST_MAX_BYTES


@dataclass(frozen=True)
class Hostile:
    key: str
    filename: str
    make: Callable[[], bytes]
    document: str  # what the refusal says when the file is sent as a document
    scan: str  # ... and as a scan to the mailroom

    @functools.cached_property
    def data(self) -> bytes:
        return self.make()


def _h(key, filename, make, document, scan=None):
    return Hostile(key=key, filename=filename, make=functools.cache(make), document=document, scan=scan or document)


HOSTILE = [
    _h("empty", "vide.pdf", lambda: b"", "Le fichier est vide."),
    _h("too_big", "enorme.pdf", too_big_pdf, "taille maximale autorisée (2 Mo)"),
    _h("encrypted_pdf", "secret.pdf", lambda: pdf(encrypt="secret"), "protégé par un mot de passe"),
    _h(
        "encrypted_pdf_no_password",
        "restreint.pdf",
        lambda: pdf(encrypt=StandardEncryption("", ownerPassword="proprietaire", canPrint=0)),
        "Le PDF est chiffré",
    ),
    _h("pdf_bomb", "releve.pdf", pdf_bomb, BOMB),
    _h("too_many_pages", "registre.pdf", lambda: pdf(pages=501), "pages ; au plus"),
    _h("truncated_pdf", "tronque.pdf", lambda: pdf(pages=3)[:400], "illisible ou endommagé"),
    _h(
        "html_as_pdf",
        "facture.pdf",
        lambda: b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n",
        ACTIVE,
    ),
    _h("pdf_polyglot", "avis.pdf", lambda: pdf() + b"\n%<html><script>alert(1)</script>\n", ACTIVE),
    _h("png_bomb", "plan.png", png_bomb, PIXELS),
    _h("jpeg_bomb", "photo.jpg", jpeg_bomb, PIXELS),
    _h("png_polyglot", "photo.png", png_with_script, ACTIVE),
    _h("jpeg_polyglot", "identite.jpg", jpeg_with_script, ACTIVE),
    _h(
        "svg_as_png",
        "logo.png",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
        NOT_ACCEPTED_DOCUMENT,
        NOT_ACCEPTED_SCAN,
    ),
    _h(
        "svg",
        "dessin.svg",
        lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        NOT_ACCEPTED_DOCUMENT,
        NOT_ACCEPTED_SCAN,
    ),
    _h(
        "exe_as_pdf",
        "attestation.pdf",
        lambda: b"MZ\x90\x00\x03\x00\x00\x00 PE executable",
        NOT_ACCEPTED_DOCUMENT,
        NOT_ACCEPTED_SCAN,
    ),
    _h("png_as_pdf", "quittance.pdf", lambda: _image("PNG", color="red"), "ne correspond pas à son extension"),
    _h("pdf_as_html", "page.html", lambda: pdf("page"), NOT_ACCEPTED_DOCUMENT, NOT_ACCEPTED_SCAN),
    _h("zip_bomb_docx", "rapport.docx", zip_bomb_docx, BOMB, NOT_ACCEPTED_SCAN),
    _h("zip_ratio_docx", "courrier.docx", docx_high_ratio, BOMB, NOT_ACCEPTED_SCAN),
    _h("zip_entries_docx", "dossier.docx", docx_many_entries, "trop d'éléments", NOT_ACCEPTED_SCAN),
    _h("zip_nested_docx", "contrat.docx", docx_nested_archive, "archive ou un fichier incorporé", NOT_ACCEPTED_SCAN),
    _h("docm_as_docx", "budget.docx", docx_with_macros, "contient des macros", NOT_ACCEPTED_SCAN),
]


def good_documents() -> dict[str, bytes]:
    """One real file of each type the document policy accepts, each different (name -> bytes)."""
    return {
        "attestation.pdf": pdf("Attestation CAF"),
        "photo.png": _image("PNG", color="blue"),
        "piece-identite.jpg": _image("JPEG", color="green"),
        "scan.jpeg": _image("JPEG", color="yellow"),
        "cv.docx": docx(text="CV de Léa"),
        "budget.xlsx": xlsx(),
        "lettre.odt": odf("application/vnd.oasis.opendocument.text"),
        "comptes.ods": odf("application/vnd.oasis.opendocument.spreadsheet"),
    }


def good_scans() -> dict[str, bytes]:
    """One real file of each type the scan policy accepts (name -> bytes)."""
    tiff = io.BytesIO()
    frames = [Image.new("L", (60, 80), shade) for shade in (200, 220)]
    frames[0].save(tiff, format="TIFF", save_all=True, append_images=frames[1:])
    return {
        "courrier.pdf": pdf("Courrier"),
        "courrier.png": _image("PNG", color="gray"),
        "courrier.jpg": _image("JPEG", color="gray"),
        "courrier.tif": tiff.getvalue(),
        "sans-extension": pdf("Station de numérisation"),
    }
