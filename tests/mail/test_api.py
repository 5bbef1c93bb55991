"""``/api/v1/mail``: scanning stations post batches; status, text and suggestions read back; who sees what."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Max

from grc.audit.models import AccessLog
from grc.models import Membership
from mail import selectors, services, tasks
from mail.models import MailItem
from tests.factories import MembershipFactory, verify_otp
from tests.mail import letters

pytestmark = pytest.mark.django_db

URL = "/api/v1/mail"


def issue_token(team, role):
    out = io.StringIO()
    call_command(
        "create_api_token", email=f"{role}@example.org", name="Scanner", team=team.code, role=role, stdout=out
    )
    return out.getvalue().strip().splitlines()[-1]


@pytest.fixture
def station(client, mail_team):
    """A scanning station: a service account with the mailroom-agent role, by bearer token."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(mail_team, Membership.Role.MAILROOM_AGENT)}"
    return client


@pytest.fixture(scope="module")
def scan():
    return letters.png_bytes(letters.make_letter(seed=41, tracking_code="D-2026-P4X8NB"), dpi=200)


def _files(*pairs):
    return {"files": [letters.as_upload(data, name) for data, name in pairs]}


def test_station_posts_a_batch_each_file_answered(station, scan):
    response = station.post(
        URL, _files((scan, "lettre.png"), (b"pas un PDF", "faux.pdf"), (scan, "encore.png")), format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["received"], body["refused"]) == (2, 1)
    first, fake, again = body["results"]
    assert first["registration_number"].endswith("-C-000001")
    assert (first["file"], first["status"], first["duplicate"]) == ("lettre.png", "received", False)
    assert fake == {
        "file": "faux.pdf",
        "id": None,
        "registration_number": None,
        "status": None,
        "duplicate": False,
        "error": "Ce format n'est pas accepté : déposez un PDF, une image JPEG, PNG ou TIFF.",
        "code": "bad_format",
    }
    assert (again["id"], again["duplicate"]) == (first["id"], True)
    assert MailItem.objects.get().batch.source == "api"


def test_read_back_status_text_confidence_and_suggestions(station, scan):
    item_id = station.post(URL, _files((scan, "lettre.png"))).json()["results"][0]["id"]
    assert station.get(f"{URL}/{item_id}").json()["status"] == "received"

    assert tasks.recognise(item_id) == "recognised"
    body = station.get(f"{URL}/{item_id}").json()
    assert body["status"] == "recognised"
    assert body["status_label"] == "Reconnu"
    assert "D-2026-P4X8NB" in body["ocr_text"]
    assert len(body["pages"]) == 1
    assert body["pages"][0]["confidence"] > 70
    assert isinstance(body["suggestions"], dict)
    assert AccessLog.objects.filter(action=AccessLog.Action.MAIL_VIEW, object_id=str(item_id)).count() == 2


def test_suggested_citizens_are_read_now_and_logged(station, scan, mail_team):
    """The API gives the suggested citizen's current name (not the stored one) and logs the read."""
    from mail.suggest.citizens import citizen_label
    from tests.factories import CitizenFactory

    item_id = station.post(URL, _files((scan, "lettre.png"))).json()["results"][0]["id"]
    person = CitizenFactory(birth_name="Marchal", first_names="Inès")
    item = MailItem.objects.get(pk=item_id)
    item.status = MailItem.Status.RECOGNISED
    item.suggestions = {"citizen": [{"id": person.pk, "label": "ANCIEN NOM", "score": 0.9, "reasons": ["NIR"]}]}
    item.save()
    # The access log is append-only: a reused test database keeps rows live-server tests committed before.
    before = AccessLog.objects.aggregate(m=Max("seq"))["m"] or 0

    body = station.get(f"{URL}/{item_id}").json()

    assert body["suggestions"]["citizen"] == [
        {"id": person.pk, "label": citizen_label(person), "score": 0.9, "reasons": ["NIR"]}
    ]
    row = AccessLog.objects.get(action=AccessLog.Action.CITIZEN_MATCH, seq__gt=before)
    assert (row.citizen_id, row.object_id) == (person.pk, str(item_id))


def test_only_the_mailroom_may_post(client, team_a, scan):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(team_a, Membership.Role.INSTRUCTOR)}"
    response = client.post(URL, _files((scan, "lettre.png")))
    assert response.status_code == 403
    assert response.json() == {"detail": "Seul le service courrier peut déposer des courriers."}
    assert not MailItem.objects.exists()


def test_anonymous_is_401(client, scan):
    assert client.post(URL, _files((scan, "lettre.png"))).status_code == 401
    assert client.get(f"{URL}/1").status_code == 401


def test_all_too_big_is_413_all_bad_is_422_nothing_sent_is_422(settings, station, scan):
    settings.MAIL_MAX_BYTES = 50 * 1024
    response = station.post(URL, _files((scan, "a.png"), (scan + b"x", "b.png")))
    assert response.status_code == 413
    assert {r["error"] for r in response.json()["results"]} == {
        "Le fichier dépasse la taille maximale autorisée (50 Ko)."
    }
    settings.MAIL_MAX_BYTES = 30 * 1024 * 1024

    response = station.post(URL, _files((b"", "vide.pdf"), (letters.encrypted_pdf_bytes(), "secret.pdf")))
    assert response.status_code == 422
    assert [r["error"] for r in response.json()["results"]] == [
        "Le fichier est vide.",
        "Le PDF est protégé par un mot de passe : déposez une version non chiffrée.",
    ]

    response = station.post(URL, {"autre": "rien"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "Ce champ est obligatoire."
    assert not MailItem.objects.exists()


def test_team_members_see_their_routed_mail_others_get_404(client, mailroom_agent, team_a, worker_a, worker_b, scan):
    item = services.mail_receive(uploaded_file=letters.as_upload(scan, "x.png"), user=mailroom_agent).item
    url = f"{URL}/{item.pk}"

    verify_otp(client, worker_a)
    assert client.get(url).status_code == 404  # not routed to team A yet
    MailItem.objects.filter(pk=item.pk).update(team=team_a, status=MailItem.Status.ROUTED)
    assert client.get(url).status_code == 200
    verify_otp(client, worker_b)
    assert client.get(url).status_code == 404
    verify_otp(client, mailroom_agent)
    assert client.get(url).status_code == 200


def test_selectors_filter_in_sql_and_log_scan_views(mailroom_agent, team_a, worker_a, scan):
    item = services.mail_receive(uploaded_file=letters.as_upload(scan, "x.png"), user=mailroom_agent).item
    other_team = MembershipFactory(role=Membership.Role.SOCIAL_WORKER).team
    routed_elsewhere = services.mail_receive(
        uploaded_file=letters.as_upload(scan + b"\0", "y.png"), user=mailroom_agent
    ).item
    MailItem.objects.filter(pk=item.pk).update(team=team_a)
    MailItem.objects.filter(pk=routed_elsewhere.pk).update(team=other_team)

    assert list(selectors.mail_items_for(user=worker_a)) == [item]
    assert set(selectors.mail_items_for(user=mailroom_agent)) == {item, routed_elsewhere}

    opened_item, scan_file = selectors.mail_scan_open(user=worker_a, pk=item.pk)
    with scan_file:
        assert scan_file.read() == scan
    log = AccessLog.objects.get(action=AccessLog.Action.MAIL_SCAN_VIEW)
    assert (log.actor_id, log.object_id) == (worker_a.pk, str(item.pk))
    with pytest.raises(Exception) as refused:
        selectors.mail_scan_open(user=worker_a, pk=routed_elsewhere.pk)
    assert refused.type.__name__ == "Http404"
