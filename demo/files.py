"""Small, valid, hand-made files for the demo and the tests: a one-page PDF, a PNG "scan".

Deterministic bytes, so a document seeded twice is recognised by its hash.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def pdf_from_objects(objects: list[bytes]) -> bytes:
    """A PDF file of ``objects`` (numbered from 1, the first the catalog), cross-reference offsets computed."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def minimal_pdf(text: str = "Attestation - donnees de demonstration") -> bytes:
    """A small valid one-page PDF (cross-reference offsets computed), text in Helvetica."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_from_objects(objects)


def small_png() -> bytes:
    """A small PNG (a grey 'scanned page' with a frame), made with Pillow."""
    image = Image.new("RGB", (120, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 111, 151), outline="grey", width=2)
    for y in range(24, 140, 12):
        draw.line((16, y, 100, y), fill="lightgrey", width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
