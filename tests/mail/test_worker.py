"""The recognition worker: recognised, failed → manual → retried, duplicates harmless, crash recovered."""

import datetime
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from mail import services, tasks
from mail.models import MailEvent, MailItem
from tests.factories import MembershipFactory
from tests.mail import letters
from tests.mail.conftest import FLUSHABLE_APPS

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _letter(seed, **fields):
    return letters.make_letter(seed=seed, kind="transport", tracking_code="D-2026-W3RK9H", **fields)


def _receive(user, data, name="scan.png"):
    return services.mail_receive(uploaded_file=letters.as_upload(data, name), user=user).item


def _kinds(item):
    return list(item.events.values_list("kind", flat=True))


def test_upload_is_recognised_by_the_task_after_commit(mailroom_agent, django_capture_on_commit_callbacks):
    """Test settings run tasks immediately: the commit of the upload triggers the real recognition."""
    data = letters.jpeg_bytes(_letter(31, birth_date=datetime.date(1979, 2, 3)), dpi=200, skew=1.0)
    with django_capture_on_commit_callbacks(execute=True):
        item = _receive(mailroom_agent, data, "lettre.jpg")
    item.refresh_from_db()

    assert item.status == MailItem.Status.RECOGNISED
    assert "D-2026-W3RK9H" in item.ocr_text
    assert "03/02/1979" in item.ocr_text
    assert item.ocr_confidence > 75
    assert item.ocr_attempts == 1
    assert item.recognised_at is not None
    assert [(p.number, p.confidence) for p in item.pages.all()] == [(1, pytest.approx(item.ocr_confidence))]
    assert isinstance(item.suggestions, dict)
    assert _kinds(item) == [MailEvent.Kind.RECEIVED, MailEvent.Kind.RECOGNISED]


def test_timeout_goes_to_manual_with_reason_and_retry_recognises_it(
    settings, mailroom_agent, recorded_tasks, django_capture_on_commit_callbacks
):
    item = _receive(mailroom_agent, letters.png_bytes(_letter(32), dpi=200))
    settings.MAIL_OCR_TIMEOUT = 0.2
    assert tasks.recognise(item.pk) == "manual"
    item.refresh_from_db()
    assert item.status == MailItem.Status.MANUAL
    assert item.failure_reason == "La reconnaissance d'une page a dépassé le délai de 0.2 s."
    assert item.events.last().kind == MailEvent.Kind.RECOGNITION_FAILED

    with django_capture_on_commit_callbacks(execute=True):
        services.mail_retry(item=item, user=mailroom_agent)
    item.refresh_from_db()
    assert (item.status, item.failure_reason, item.ocr_attempts) == (MailItem.Status.RECEIVED, "", 0)
    assert [r.args for r in recorded_tasks if r.task.name == "recognise_mail"] == [[item.pk]]

    settings.MAIL_OCR_TIMEOUT = 120
    assert tasks.recognise(item.pk) == "recognised"
    item.refresh_from_db()
    assert "D-2026-W3RK9H" in item.ocr_text
    assert _kinds(item) == [
        MailEvent.Kind.RECEIVED,
        MailEvent.Kind.RECOGNITION_FAILED,
        MailEvent.Kind.RETRIED,
        MailEvent.Kind.RECOGNISED,
    ]


def test_retry_only_by_the_mailroom_and_only_from_manual(mailroom_agent, worker_a, recorded_tasks):
    item = _receive(mailroom_agent, letters.png_bytes(_letter(33), dpi=40))
    with pytest.raises(ValidationError):
        services.mail_retry(item=item, user=mailroom_agent)
    MailItem.objects.filter(pk=item.pk).update(status=MailItem.Status.MANUAL)
    with pytest.raises(PermissionDenied):
        services.mail_retry(item=item, user=worker_a)


def test_a_second_task_for_a_claimed_item_does_nothing(mailroom_agent, recorded_tasks):
    item = _receive(mailroom_agent, letters.png_bytes(_letter(34), dpi=40))
    MailItem.objects.filter(pk=item.pk).update(ocr_started_at=timezone.now(), ocr_attempts=1)
    assert tasks.recognise(item.pk) == "skipped"
    MailItem.objects.filter(pk=item.pk).update(status=MailItem.Status.RECOGNISED)
    assert tasks.recognise(item.pk) == "skipped"
    assert MailItem.objects.get(pk=item.pk).ocr_attempts == 1


def test_recovery_requeues_stalled_and_never_enqueued_items_then_gives_up(
    settings, mailroom_agent, recorded_tasks, django_capture_on_commit_callbacks
):
    settings.MAIL_OCR_MAX_ATTEMPTS = 2
    now = timezone.now()
    stalled = _receive(mailroom_agent, letters.png_bytes(_letter(35), dpi=40))
    forgotten = _receive(mailroom_agent, letters.png_bytes(_letter(36), dpi=40))
    exhausted = _receive(mailroom_agent, letters.png_bytes(_letter(37), dpi=40))
    fresh = _receive(mailroom_agent, letters.png_bytes(_letter(38), dpi=40))
    old = now - datetime.timedelta(minutes=30)
    MailItem.objects.filter(pk=stalled.pk).update(ocr_started_at=old, ocr_attempts=1)
    MailItem.objects.filter(pk=forgotten.pk).update(received_at=old)
    MailItem.objects.filter(pk=exhausted.pk).update(ocr_started_at=old, ocr_attempts=2)
    MailItem.objects.filter(pk=fresh.pk).update(ocr_started_at=now - datetime.timedelta(minutes=2), ocr_attempts=1)

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("mail_recover", stdout=out)

    assert out.getvalue().strip() == "Courriers relancés : 2 ; passés à traiter manuellement : 1."
    requeued = sorted(r.args[0] for r in recorded_tasks if r.task.name == "recognise_mail")
    assert requeued == sorted([stalled.pk, forgotten.pk])
    exhausted.refresh_from_db()
    assert exhausted.status == MailItem.Status.MANUAL
    assert "interrompue 2 fois" in exhausted.failure_reason
    assert MailItem.objects.get(pk=stalled.pk).ocr_started_at is None  # any worker may claim it now
    assert MailItem.objects.get(pk=fresh.pk).ocr_started_at is not None  # within its lease: left alone


WORKER = """
import os, sys
sys.path.insert(0, os.environ["GRC_ROOT"])
import django
django.setup()
from django.core.management import call_command
from django.test.utils import override_settings
with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
    call_command("db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload", "--queue-name", "*")
"""


def start_worker(documents_root, log: Path) -> subprocess.Popen:
    """A real ``manage.py db_worker`` process on this test database (test settings, database task backend)."""
    env = {
        **os.environ,
        "GRC_ROOT": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "EMBEDDED_DATABASE_NAME": connection.settings_dict["NAME"],
        "DSU_DOCUMENTS_ROOT": str(documents_root),
        "MAIL_OCR_LEASE_SECONDS": "600",
    }
    with log.open("ab") as stream:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", WORKER],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its own process group: the kill takes Tesseract with it
            stdout=subprocess.DEVNULL,
            stderr=stream,
        )


def tesseract_running(process_group: int) -> bool:
    """A ``tesseract`` process of the worker's process group is alive (the worker is mid-OCR)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        name = fields[0].split("(", 1)[-1]
        pgrp = int(fields[1].split()[2])
        if name == "tesseract" and pgrp == process_group:
            return True
    return False


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_worker_killed_mid_ocr_loses_nothing(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SEARCH_AUTO_INDEX = False  # only our task in the queue
    agent = MembershipFactory(role="mailroom_agent").user
    data = letters.pdf_bytes(_letter(39), pages=2, dpi=150)
    item = _receive(agent, data, "deux-pages.pdf")  # committed: the recognition task is in the database queue

    worker = start_worker(django_settings.DSU_DOCUMENTS_ROOT, tmp_path / "worker.log")
    try:
        wait_for(lambda: MailItem.objects.get(pk=item.pk).ocr_started_at is not None, 60, "the worker's claim")
        wait_for(lambda: tesseract_running(worker.pid), 30, "Tesseract reading page 1")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)

    item.refresh_from_db()
    assert (item.status, item.ocr_attempts, item.pages.count()) == (MailItem.Status.RECEIVED, 1, 0)

    # Once the lease is over, recovery puts it back in the queue and a new worker finishes the job.
    assert tasks.recover_stalled(lease=0) == {"requeued": 1, "manual": 0}
    worker = start_worker(django_settings.DSU_DOCUMENTS_ROOT, tmp_path / "worker.log")
    try:
        wait_for(lambda: MailItem.objects.get(pk=item.pk).status != MailItem.Status.RECEIVED, 90, "recognition")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)

    item.refresh_from_db()
    assert item.status == MailItem.Status.RECOGNISED, (tmp_path / "worker.log").read_text()[-3000:]
    assert item.ocr_attempts == 2
    assert list(item.pages.values_list("number", flat=True)) == [1, 2]
    assert "D-2026-W3RK9H" in item.ocr_text
    assert _kinds(item) == [MailEvent.Kind.RECEIVED, MailEvent.Kind.RECOGNISED]


@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_claim_is_renewed_per_page_and_a_worker_that_lost_it_writes_nothing(recorded_tasks):
    agent = MembershipFactory(role="mailroom_agent").user
    item = _receive(agent, letters.pdf_bytes(_letter(40), pages=3, dpi=150), "trois-pages.pdf")
    outcome = []

    def work():
        try:
            outcome.append(tasks.recognise(item.pk))
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    try:
        wait_for(lambda: MailItem.objects.get(pk=item.pk).ocr_started_at is not None, 30, "the claim")
        claimed = MailItem.objects.get(pk=item.pk).ocr_started_at
        wait_for(lambda: MailItem.objects.get(pk=item.pk).ocr_started_at != claimed, 60, "renewal after page 1")
        # Meanwhile recovery handed the item to another worker (its claim, not this one's).
        MailItem.objects.filter(pk=item.pk).update(ocr_started_at=timezone.now() - datetime.timedelta(hours=1))
    finally:
        thread.join(120)

    assert outcome == ["superseded"]
    item.refresh_from_db()
    assert (item.status, item.pages.count(), item.ocr_text) == (MailItem.Status.RECEIVED, 0, "")
