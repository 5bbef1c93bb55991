"""Factories and set-up helpers for the social file.

Access is only ever granted by services, so helpers that need a followed file go through them.
"""

import datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossier_unique import services
from dossier_unique.models import Programme, SocialFile, TimelineEntry
from grc.models import Membership
from tests.factories import CitizenFactory, MembershipFactory

PDF_BYTES = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


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
