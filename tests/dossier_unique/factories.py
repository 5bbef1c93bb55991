"""Factories and set-up helpers for the social file.

Access is only ever granted by services, so helpers that need a followed file go through them.
"""

import datetime
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from dossier_unique import services
from dossier_unique.models import Programme, SocialFile, TimelineEntry
from grc.models import Membership
from tests.factories import CitizenFactory, MembershipFactory

# The smallest real PDF (one blank page): the upload gate opens every PDF with pdfium.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format=fmt)
    return buffer.getvalue()


PNG_BYTES = _image_bytes("PNG")
JPEG_BYTES = _image_bytes("JPEG")


class SocialFileFactory(factory.django.DjangoModelFactory):
    """A bare file nobody may see yet (no accompaniment, member or grant)."""

    class Meta:
        model = SocialFile

    citizen = factory.SubFactory(CitizenFactory)


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    file = factory.SubFactory(SocialFileFactory)
    citizen = factory.SelfAttribute("file.citizen")
    kind = TimelineEntry.Kind.NOTE
    title = "Entretien"


def social_worker(team, **kwargs):
    return MembershipFactory(team=team, role=Membership.Role.SOCIAL_WORKER, **kwargs).user


def open_file(*, citizen, team, actor, programme=Programme.PMI, referent=None):
    """The citizen's file with an open accompaniment followed by ``team``: (file, accompaniment)."""
    file = services.social_file_get_or_create(citizen=citizen, actor=actor)
    accompaniment = services.accompaniment_open(
        file=file, programme=programme, team=team, actor=actor, referent=referent
    )
    return file, accompaniment


def pdf_upload(name="attestation.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def in_days(days):
    return timezone.now() + datetime.timedelta(days=days)
