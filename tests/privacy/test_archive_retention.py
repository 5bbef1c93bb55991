"""Access-right archives are copies: the retention rule removes their file after three months, keeps the row."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dossier_unique.models import Document, Note
from grc.audit.models import AccessLog
from grc.models import Citizen
from privacy.archive import access_archive_compile
from privacy.models import AccessArchive, RetentionRule
from privacy.retention import retention_apply, retention_rules_ensure
from tests.factories import verify_otp
from tests.privacy.conftest import gdpr_entry, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(dpo):
    retention_rules_ensure(actor=dpo)
    return RetentionRule.objects.get(purpose="access_archive")


@pytest.fixture
def archives(rich, dpo):
    """An archive compiled four months ago and one compiled today, for the same citizen."""
    old = access_archive_compile(citizen=rich["citizen"], actor=dpo)
    recent = access_archive_compile(citizen=rich["citizen"], actor=dpo)
    AccessArchive.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=120))
    old.refresh_from_db()
    return old, recent


def _file_exists(archive) -> bool:
    return bool(archive.content.name) and archive.content.storage.exists(archive.content.name)


def test_default_rule(rule):
    assert rule.duration_months == 3
    assert rule.export_before_destruction is False
    assert "5(1)(e)" in rule.legal_reference


def test_old_archive_file_is_removed_and_nothing_else(rule, archives, rich, dpo, django_capture_on_commit_callbacks):
    old, recent = archives
    old_name = old.content.name
    storage = old.content.storage
    assert storage.exists(old_name) and _file_exists(recent)

    with django_capture_on_commit_callbacks(execute=True):
        run = retention_apply(rule=rule, actor=dpo)

    assert run.status == "done"
    assert run.counts["candidates"] == 1 and run.counts["access_archives_purged"] == 1
    assert not run.exports.exists()
    assert not storage.exists(old_name)
    old.refresh_from_db()
    assert old.purged_at is not None and not old.content
    assert (old.created_by, old.citizen_id, old.sha256) == (dpo, rich["citizen"].pk, old.sha256)
    assert not old.history.exclude(content="").exists()
    # The recent archive and everything about the citizen stay.
    recent.refresh_from_db()
    assert _file_exists(recent) and recent.purged_at is None
    citizen = Citizen.objects.get(pk=rich["citizen"].pk)
    assert citizen.birth_name == "Lemoine" and citizen.user_id is not None
    assert Note.objects.filter(file=rich["file"], text="NOTE-DOSSIER-VISIBLE").exists()
    assert Document.objects.filter(pk=rich["document"].pk).exists() and stored(rich["document"].content)
    # A second run finds nothing.
    assert retention_apply(rule=rule, actor=dpo).counts["candidates"] == 0


def test_dry_run_lists_the_old_archive_without_deleting(rule, archives, dpo, django_capture_on_commit_callbacks):
    old, recent = archives
    with django_capture_on_commit_callbacks(execute=True):
        run = retention_apply(rule=rule, actor=dpo, dry_run=True)
    assert run.dry_run and run.counts["candidates"] == 1
    assert [item["id"] for item in run.items] == [old.pk]
    assert run.items[0]["type"] == "archive de droit d'accès"
    old.refresh_from_db()
    assert old.purged_at is None and _file_exists(old)


def test_purged_archive_download_says_so(rule, archives, dpo, client, django_capture_on_commit_callbacks):
    old, _recent = archives
    with django_capture_on_commit_callbacks(execute=True):
        retention_apply(rule=rule, actor=dpo)
    logged = AccessLog.objects.filter(action=AccessLog.Action.GDPR_ACCESS_ARCHIVE, object_id=str(old.pk)).count()
    dpo_client = verify_otp(client, dpo)
    response = dpo_client.get(reverse("backoffice:privacy_archive_download", args=[old.pk]))
    assert response.status_code == 410
    assert "a été purgée le" in response.text
    # No content was read: no download row in the access log.
    assert AccessLog.objects.filter(action=AccessLog.Action.GDPR_ACCESS_ARCHIVE, object_id=str(old.pk)).count() == (
        logged
    )


def test_missing_file_is_not_a_server_error(archives, dpo, client):
    _old, recent = archives
    recent.content.storage.delete(recent.content.name)
    dpo_client = verify_otp(client, dpo)
    response = dpo_client.get(reverse("backoffice:privacy_archive_download", args=[recent.pk]))
    assert response.status_code == 410
    assert "introuvable" in response.text or "plus disponible" in response.text


def test_request_page_shows_the_purge_date(rule, rich, dpo, client, django_capture_on_commit_callbacks):
    entry = gdpr_entry(dpo=dpo, citizen=rich["citizen"])
    archive = access_archive_compile(citizen=rich["citizen"], actor=dpo, gdpr_request=entry)
    AccessArchive.objects.filter(pk=archive.pk).update(created_at=timezone.now() - datetime.timedelta(days=120))
    with django_capture_on_commit_callbacks(execute=True):
        retention_apply(rule=rule, actor=dpo)
    dpo_client = verify_otp(client, dpo)
    response = dpo_client.get(reverse("backoffice:privacy_request_detail", args=[entry.pk]))
    assert response.status_code == 200
    assert "purgée le" in response.text
    assert reverse("backoffice:privacy_archive_download", args=[archive.pk]) not in response.text
