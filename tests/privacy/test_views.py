"""DPO screens: 404 for everyone else, bad input kept with French messages, archive download logged."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from grc.audit.models import AccessLog
from privacy import services
from privacy.archive import access_archive_compile
from privacy.models import ErasureExecution, GdprRequest, RetentionRule
from privacy.retention import retention_apply, retention_rules_ensure
from tests.factories import UserFactory, verify_otp
from tests.privacy.conftest import gdpr_entry


@pytest.fixture
def register(dpo, citizen):
    retention_rules_ensure(actor=dpo)
    gdpr_request = gdpr_entry(dpo=dpo, citizen=citizen, requester_identity="Demandeur")
    archive = access_archive_compile(citizen=citizen, actor=dpo, gdpr_request=gdpr_request)
    rule = RetentionRule.objects.get(purpose="social_file")
    run = retention_apply(rule=rule, actor=dpo, dry_run=True)
    return gdpr_request, archive, rule, run


def _consume(response) -> bytes:
    """Read a file download and close the file (``response.close()`` would also close the test's connection)."""
    content = b"".join(response.streaming_content)
    for close in response._resource_closers:
        close()
    return content


def _urls(gdpr_request, archive, rule, run):
    get = [
        reverse("backoffice:privacy_request_list"),
        reverse("backoffice:privacy_request_create"),
        reverse("backoffice:privacy_request_detail", args=[gdpr_request.pk]),
        reverse("backoffice:privacy_request_edit", args=[gdpr_request.pk]),
        reverse("backoffice:privacy_archive_download", args=[archive.pk]),
        reverse("backoffice:privacy_retention"),
        reverse("backoffice:privacy_rule_edit", args=[rule.pk]),
        reverse("backoffice:privacy_run_detail", args=[run.pk]),
    ]
    post = [
        reverse("backoffice:privacy_request_transition", args=[gdpr_request.pk]),
        reverse("backoffice:privacy_request_extend", args=[gdpr_request.pk]),
        reverse("backoffice:privacy_archive_create", args=[gdpr_request.pk]),
        reverse("backoffice:privacy_erasure_execute", args=[gdpr_request.pk]),
        reverse("backoffice:privacy_rule_dry_run", args=[rule.pk]),
    ]
    return get, post


def test_everyone_but_the_dpo_gets_404(client, register, worker_a):
    superuser = UserFactory(staff=True, is_superuser=True)
    get, post = _urls(*register)
    for user in (worker_a, superuser):
        verify_otp(client, user)
        for url in get:
            assert client.get(url).status_code == 404, url
        for url in post:
            assert client.post(url, {"reason": "x", "to_status": "answered", "confirm": "on"}).status_code == 404, url
    assert GdprRequest.objects.get().status == "received"
    assert not ErasureExecution.objects.exists()


def test_dpo_pages_render(dpo_client, register):
    get, _ = _urls(*register)
    for url in get:
        response = dpo_client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            _consume(response)


def test_create_with_bad_input_keeps_what_was_typed(dpo_client):
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = dpo_client.post(
        reverse("backoffice:privacy_request_create"),
        {"kind": "access", "requester_identity": "Paul Texte-Tapé", "received_on": future, "channel": "mail"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in page
    assert "Paul Texte-Tapé" in page
    response = dpo_client.post(
        reverse("backoffice:privacy_request_create"),
        {"kind": "erasure", "requester_identity": "Paul", "received_on": "2026-01-31", "channel": "email"},
    )
    created = GdprRequest.objects.get()
    assert response.status_code == 302 and response.url == created.get_absolute_url()
    assert created.deadline == datetime.date(2026, 2, 28)


def test_refusal_without_reason_is_explained(dpo_client, register):
    gdpr_request = register[0]
    response = dpo_client.post(
        reverse("backoffice:privacy_request_transition", args=[gdpr_request.pk]), {"to_status": "refused"}
    )
    assert response.status_code == 400
    assert "Indiquez le motif du refus" in response.content.decode()
    gdpr_request.refresh_from_db()
    assert gdpr_request.status == "received"


def test_archive_is_compiled_and_downloaded_through_logged_views(
    dpo_client, register, citizen, django_capture_on_commit_callbacks
):
    gdpr_request = register[0]
    # The view records the archive and enqueues its compilation on commit (run at once by the test backend).
    with django_capture_on_commit_callbacks(execute=True):
        response = dpo_client.post(reverse("backoffice:privacy_archive_create", args=[gdpr_request.pk]))
    assert response.status_code == 302
    archive = gdpr_request.archives.order_by("-pk").first()
    assert archive.status == "ready"
    logged = AccessLog.objects.filter(action=AccessLog.Action.GDPR_ACCESS_ARCHIVE, citizen_id=citizen.pk).count()
    response = dpo_client.get(reverse("backoffice:privacy_archive_download", args=[archive.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert _consume(response)[:2] == b"PK"
    assert (
        AccessLog.objects.filter(action=AccessLog.Action.GDPR_ACCESS_ARCHIVE, citizen_id=citizen.pk).count()
        == logged + 1
    )


def test_dry_run_from_the_retention_page(dpo_client, register):
    rule = register[2]
    response = dpo_client.post(reverse("backoffice:privacy_rule_dry_run", args=[rule.pk]))
    assert response.status_code == 302
    page = dpo_client.get(response.url).content.decode()
    assert "Simulation" in page and rule.label in page


def test_rule_edit_refuses_an_access_log_kept_over_three_years(dpo_client, register):
    rule = RetentionRule.objects.get(purpose="access_log")
    response = dpo_client.post(
        reverse("backoffice:privacy_rule_edit", args=[rule.pk]),
        {"label": rule.label, "duration_months": "48", "legal_reference": "x", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "plus de 3 ans" in response.content.decode()
    rule.refresh_from_db()
    assert rule.duration_months == 12


def test_dpo_withholds_a_note_about_a_third_party_and_the_archive_says_so(dpo_client, dpo, rich):
    gdpr_request = gdpr_entry(dpo=dpo, citizen=rich["citizen"], channel="portal")
    page = dpo_client.get(gdpr_request.get_absolute_url()).content.decode()
    assert "NOTE-DOSSIER-VISIBLE" in page and "NOTE-PRIVEE-SECRETE" not in page
    note = rich["notes"]["file"]
    url = reverse("backoffice:privacy_withholding_set", args=[gdpr_request.pk])
    response = dpo_client.post(url, {"target": f"note:{note.pk}", "action": "withhold", "reason": "Parle du voisin"})
    assert response.status_code == 302
    # A note of another person's file cannot be reached through this request.
    other = rich["homonym_file"].notes.get()
    response = dpo_client.post(url, {"target": f"note:{other.pk}", "action": "withhold", "reason": "x"})
    assert response.status_code == 404
    letter = rich["mail"]
    assert (
        dpo_client.post(
            url, {"target": f"mail_item:{letter.pk}", "action": "withhold", "reason": "Signalement d'un voisin"}
        ).status_code
        == 302
    )
    archive = access_archive_compile(citizen=rich["citizen"], actor=dpo)
    import io
    import json
    import zipfile

    with archive.content.open("rb") as handle:
        data = json.loads(zipfile.ZipFile(io.BytesIO(handle.read())).read("archive.json"))
    assert "NOTE-DOSSIER-VISIBLE" not in json.dumps(data)
    assert data["ce_qui_n_est_pas_communique"]["nombres"]["notes_avec_tiers"] == 2
    assert data["ce_qui_n_est_pas_communique"]["nombres"]["courriers_avec_tiers"] == 1
    assert "COURRIER-OCR-TEXTE" not in json.dumps(data) and data["courriers"] == []


def test_nav_shows_the_privacy_entries_to_the_dpo_only(dpo_client, client, worker_a):
    assert "Droits RGPD" in dpo_client.get(reverse("backoffice:home")).content.decode()
    verify_otp(client, worker_a)
    assert "Droits RGPD" not in client.get(reverse("backoffice:home")).content.decode()


def test_register_list_query_count_does_not_grow_with_the_requests(dpo_client, dpo, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            services.gdpr_request_create(
                actor=dpo, kind="access", requester_identity="X", received_on=timezone.localdate(), channel="mail"
            )

    url = reverse("backoffice:privacy_request_list")
    add(2)
    dpo_client.get(url)  # warm the session and the role cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        assert dpo_client.get(url).status_code == 200
    add(4)
    with django_assert_max_num_queries(len(two.captured_queries)):
        page = dpo_client.get(url).content.decode()
    assert page.count("RGPD-") >= 6


def test_the_entry_says_how_late_it_is_rather_than_negative_days_left(dpo_client, dpo):
    today = timezone.localdate()
    late = services.gdpr_request_create(
        actor=dpo,
        kind="access",
        requester_identity="Demandeur",
        received_on=today - datetime.timedelta(days=45),
        channel="mail",
    )
    body = html.unescape(dpo_client.get(late.get_absolute_url()).content.decode())
    days = (today - late.due_date).days
    assert days > 1
    assert f"<dt>Retard</dt><dd>{days} jours après l'échéance</dd>" in body
    assert "Jours restants" not in body
    on_time = gdpr_entry(dpo=dpo)
    body = html.unescape(dpo_client.get(on_time.get_absolute_url()).content.decode())
    assert f"<dt>Jours restants</dt><dd>{on_time.days_left()}</dd>" in body
