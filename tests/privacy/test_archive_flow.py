"""The access-right archive is asked for in the register and compiled by a background task: the POST only
records it "en préparation"; the register entry says so and refreshes itself, then offers the download; a
compilation that fails says why in French and the DPO asks again; a second click while one is being
prepared is refused. The reader in the access log is always the DPO who asked, not the worker."""

import datetime
import io
import json
import os
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dossier_unique.documents import document_storage
from grc.audit.models import AccessLog
from privacy import archive as archive_services
from privacy.models import AccessArchive
from privacy.tasks import compile_access_archive
from tests.privacy.conftest import gdpr_entry

REFRESH = '<meta name="grc-refresh" content="5">'


@pytest.fixture
def entry(dpo, rich):
    return gdpr_entry(dpo=dpo, citizen=rich["citizen"])


def _ask(client, entry, capture, **data):
    """POST "Constituer l'archive" as the browser does, running what the view schedules on commit."""
    with capture(execute=True):
        response = client.post(reverse("backoffice:privacy_archive_create", args=[entry.pk]), data)
    assert response.status_code == 302 and response.url == entry.get_absolute_url() + "#archive"
    response = client.get(response.url)
    assert response.status_code == 200
    return response.content.decode()


def _form(entry):
    return f'action="{reverse("backoffice:privacy_archive_create", args=[entry.pk])}"'


def _archive_reads(archive):
    return AccessLog.objects.filter(
        action=AccessLog.Action.GDPR_ACCESS_ARCHIVE, object_type="privacy.accessarchive", object_id=str(archive.pk)
    )


def _download(client, archive):
    response = client.get(reverse("backoffice:privacy_archive_download", args=[archive.pk]))
    if not response.streaming:
        return response, None
    content = b"".join(response.streaming_content)
    for close in response._resource_closers:
        close()
    return response, content


def _break_document(document) -> tuple[str, bytes]:
    """Make the document's stored file unreadable: a directory where the file was (an I/O error, not a
    missing file, which the archive reports inside the ZIP instead)."""
    path = document_storage().path(document.content.name)
    with open(path, "rb") as handle:
        content = handle.read()
    os.remove(path)
    os.mkdir(path)
    return path, content


def test_archive_is_prepared_in_the_background_then_downloaded_with_the_dpo_as_reader(
    dpo_client, dpo, entry, rich, django_capture_on_commit_callbacks
):
    page = _ask(dpo_client, entry, django_capture_on_commit_callbacks, include_staff_names="on")

    archive = AccessArchive.objects.get(gdpr_request=entry)
    assert archive.status == AccessArchive.Status.READY and archive.include_staff_names
    assert archive.created_by == dpo and archive.sha256 and archive.size > 0
    assert archive.summary["documents"] == 1
    entry.refresh_from_db()
    assert entry.archive == archive
    # The compilation's read of the person is logged once, against them, with the DPO who asked as reader.
    (compiled,) = _archive_reads(archive)
    assert compiled.actor_id == dpo.pk and compiled.citizen_id == rich["citizen"].pk
    assert entry.reference in compiled.purpose
    # The page the DPO lands on: ready, a download link, no more refreshing.
    assert "prête" in page and "Télécharger (ZIP)" in page and REFRESH not in page
    assert reverse("backoffice:privacy_archive_download", args=[archive.pk]) in page

    response, content = _download(dpo_client, archive)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(content))
    data = json.loads(bundle.read("archive.json"))
    assert data["identite"]["nom_de_naissance"] == "Lemoine"
    assert f"documents/{rich['document'].pk}.pdf" in bundle.namelist()
    reads = list(_archive_reads(archive).order_by("seq"))
    assert len(reads) == 2
    assert reads[1].actor_id == dpo.pk and reads[1].purpose == "téléchargement de l'archive de droit d'accès"


def test_unreadable_document_fails_the_archive_in_french_and_the_dpo_asks_again(
    dpo_client, dpo, entry, rich, settings, django_capture_on_commit_callbacks
):
    path, content = _break_document(rich["document"])

    page = _ask(dpo_client, entry, django_capture_on_commit_callbacks)

    failed = AccessArchive.objects.get(gdpr_request=entry)
    assert failed.status == AccessArchive.Status.FAILED
    assert failed.failure_message == archive_services.FAILURE_STORAGE
    for personal in ("Lemoine", "Claire", rich["citizen"].nir, "attestation", str(rich["citizen"].pk)):
        assert personal not in failed.failure_message
    assert "en échec" in page and "pas pu être lu ou écrit dans le stockage" in page and REFRESH not in page
    assert _form(entry) in page  # the DPO may ask again
    # Nothing was read out of the failed compilation: no log row, no ZIP left in storage, not linked.
    assert not _archive_reads(failed).exists()
    assert not failed.content
    assert not any(name.endswith(".zip") for _, _, names in os.walk(settings.PRIVACY_ARCHIVES_ROOT) for name in names)
    entry.refresh_from_db()
    assert entry.archive is None

    response, _ = _download(dpo_client, failed)
    assert response.status_code == 409
    assert "La constitution de cette archive a échoué" in response.content.decode()

    # The storage is repaired; the DPO asks again and gets a ready archive.
    os.rmdir(path)
    with open(path, "wb") as handle:
        handle.write(content)
    page = _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    ready = AccessArchive.objects.exclude(pk=failed.pk).get(gdpr_request=entry)
    assert ready.status == AccessArchive.Status.READY
    assert "Télécharger (ZIP)" in page
    response, zipped = _download(dpo_client, ready)
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(zipped)).read(f"documents/{rich['document'].pk}.pdf") == content


def test_with_the_database_queue_the_post_returns_at_once_and_the_worker_compiles(
    dpo_client, dpo, entry, rich, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    page = _ask(dpo_client, entry, django_capture_on_commit_callbacks)

    # The request only recorded the archive and queued its compilation: nothing was read or written.
    archive = AccessArchive.objects.get(gdpr_request=entry)
    assert archive.status == AccessArchive.Status.PENDING and not archive.content and archive.started_at is None
    assert not _archive_reads(archive).exists()
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "privacy.tasks.compile_access_archive"
    assert queued.args_kwargs["args"][:2] == [archive.pk, dpo.pk]
    # The page says so and refreshes itself; the button is replaced by a notice.
    assert "en préparation" in page and REFRESH in page
    assert _form(entry) not in page

    # A pending archive cannot be downloaded: a French page, not a 500.
    response, _ = _download(dpo_client, archive)
    assert response.status_code == 409
    assert "en préparation" in response.content.decode() and REFRESH in response.content.decode()
    assert not _archive_reads(archive).exists()

    # A second click while it is pending is refused, in French; nothing more is queued.
    page = _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    assert "déjà en préparation" in page
    assert AccessArchive.objects.filter(gdpr_request=entry).count() == 1
    assert DBTaskResult.objects.count() == 1

    # The worker runs the task (called directly here), as the DPO who asked.
    assert compile_access_archive.call(*queued.args_kwargs["args"]) == "ready"
    archive.refresh_from_db()
    assert archive.status == AccessArchive.Status.READY and archive.content
    (compiled,) = _archive_reads(archive)
    assert compiled.actor_id == dpo.pk
    # A second delivery of the same task finds nothing to do.
    assert compile_access_archive.call(*queued.args_kwargs["args"]) == "skipped"
    assert _archive_reads(archive).count() == 1

    page = dpo_client.get(entry.get_absolute_url()).content.decode()
    assert REFRESH not in page and "Télécharger (ZIP)" in page and _form(entry) in page


def test_a_pending_archive_whose_worker_died_does_not_block_a_new_one(
    dpo_client, dpo, entry, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    lost = AccessArchive.objects.get(gdpr_request=entry)
    settings.PRIVACY_ARCHIVE_LEASE_SECONDS = 600
    AccessArchive.objects.filter(pk=lost.pk).update(created_at=timezone.now() - datetime.timedelta(seconds=700))

    page = dpo_client.get(entry.get_absolute_url()).content.decode()
    assert "préparation interrompue" in page and REFRESH not in page

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    lost.refresh_from_db()
    assert lost.status == AccessArchive.Status.FAILED and lost.failure_message == archive_services.FAILURE_STALLED
    assert AccessArchive.objects.exclude(pk=lost.pk).get(gdpr_request=entry).status == AccessArchive.Status.READY
    # The lost worker's late task does not overwrite the failed archive.
    assert compile_access_archive.call(lost.pk, dpo.pk, "") == "skipped"


def test_a_dpo_who_lost_the_role_before_the_worker_ran_gets_no_archive(
    dpo_client, dpo, entry, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    archive = AccessArchive.objects.get(gdpr_request=entry)
    today = timezone.localdate()
    dpo.memberships.update(start_date=today - datetime.timedelta(days=30), end_date=today - datetime.timedelta(days=1))

    assert compile_access_archive.call(archive.pk, dpo.pk, "") == "failed"
    archive.refresh_from_db()
    assert archive.status == AccessArchive.Status.FAILED
    assert archive.failure_message == archive_services.FAILURE_ROLE
    assert not _archive_reads(archive).exists()
