"""The first bytes decide what a file is, for documents and scans alike."""

import pytest

from dossier_unique.documents import validate_document
from grc import filetypes
from grc.mail.intake import sniff as sniff_scan


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
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert sniff_scan(b"II*\x00") == filetypes.TIFF
    assert sniff_scan(b"PK\x03\x04") is None
    with pytest.raises(ValidationError) as refused:
        validate_document(SimpleUploadedFile("scan.tif", b"II*\x00" + b"\x00" * 64, content_type="image/tiff"))
    assert refused.value.code == "bad_format"
