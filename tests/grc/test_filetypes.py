"""The first bytes decide what a file is, for documents and scans alike."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grc import filetypes, uploads
from grc.filetypes import TIFF


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", filetypes.PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", filetypes.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", filetypes.PNG),
        (b"II*\x00\x08\x00", filetypes.TIFF),
        (b"MM\x00*\x00\x00", filetypes.TIFF),
        (b"PK\x03\x04\x14\x00", filetypes.ZIP),
        (b"<html><script>", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_sniff_reads_the_signature(head, expected):
    assert filetypes.sniff(head) == expected


def test_each_intake_keeps_its_own_formats():
    """A scan may be a TIFF but not an office document; a document the reverse."""
    tiff = io.BytesIO()
    Image.new("L", (8, 8), 255).save(tiff, format="TIFF")
    assert uploads.check(SimpleUploadedFile("scan.tif", tiff.getvalue()), uploads.scan_policy()).content_type == TIFF
    with pytest.raises(ValidationError) as refused:
        uploads.check(SimpleUploadedFile("scan.tif", tiff.getvalue()), uploads.document_policy())
    assert refused.value.code == "bad_format"
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ValidationError) as refused:
        uploads.check(SimpleUploadedFile("lettre.docx", docx.getvalue()), uploads.scan_policy())
    assert refused.value.code == "bad_format"
