"""Webhooks against a real HTTP server on localhost: signed HMAC-SHA256 bodies on create, change and cancel,
every attempt logged, failures retried later with the same delivery id; the SMS provider (Brevo, through its
client) against a local stand-in of its API; the agent's webcal feed."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from rendezvous.feeds import agent_calendar_token_create, agent_calendar_token_revoke
from rendezvous.models import MessageLog, Motif, WebhookDelivery, WebhookEndpoint
from rendezvous.notifications import rdv_notify
from rendezvous.notifications.sms import BrevoBackend, SmsError
from rendezvous.webhooks import verify, webhook_deliver
from tests.factories import CitizenFactory, TeamFactory, UserFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, ParticipantFactory, RendezvousFactory

pytestmark = pytest.mark.django_db
SECRET = "s3cret-partage-avec-l-agenda"  # noqa: S105 — a test secret


class Receiver:
    """A local HTTP server that records what it receives and answers the statuses it is told to."""

    def __init__(self, statuses=(200,), body=b"{}"):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's name
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def appointment(*, motif=None):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    rendezvous = RendezvousFactory(
        motif=motif or MotifFactory(name="Atelier budget"),
        lieu=LieuFactory(name="CDAS de Fougères"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=30),
    )
    ParticipantFactory(rendezvous=rendezvous, citizen=CitizenFactory(birth_name="Kerhervé"), email="k@example.org")
    return rendezvous


def endpoint_for(url, *, team=None, all_teams=False):
    endpoint = WebhookEndpoint.objects.create(
        name="Agenda du Département", url=url, secret=SECRET, all_teams=all_teams
    )
    if team is not None:
        endpoint.teams.add(team)
    return endpoint


def test_each_event_is_posted_signed_to_the_team_s_endpoint(receiver, django_capture_on_commit_callbacks):
    rendezvous = appointment()
    endpoint = endpoint_for(receiver.url + "/hook", team=rendezvous.motif.team)
    for event in ("created", "changed", "cancelled"):
        with django_capture_on_commit_callbacks(execute=True):
            rdv_notify(rendezvous=rendezvous, event=event)

    assert [json.loads(r["body"])["event"] for r in receiver.requests] == [
        "rendezvous.created",
        "rendezvous.changed",
        "rendezvous.cancelled",
    ]
    first = receiver.requests[0]
    headers = first["headers"]
    assert first["path"] == "/hook" and headers["X-GRC-Event"] == "rendezvous.created"
    assert verify(
        secret=SECRET, timestamp=headers["X-GRC-Timestamp"], body=first["body"], signature=headers["X-GRC-Signature"]
    )
    assert not verify(
        secret="un-autre-secret",
        timestamp=headers["X-GRC-Timestamp"],
        body=first["body"],
        signature=headers["X-GRC-Signature"],
    )
    tampered = first["body"] + b" "
    assert not verify(
        secret=SECRET, timestamp=headers["X-GRC-Timestamp"], body=tampered, signature=headers["X-GRC-Signature"]
    )
    payload = json.loads(first["body"])["rendezvous"]
    assert (payload["id"], payload["motif"]["name"], payload["lieu"]["name"]) == (
        rendezvous.pk,
        "Atelier budget",
        "CDAS de Fougères",
    )
    assert payload["participants"] == 1 and b"Kerherv" not in first["body"]
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")
    assert [(d.status_code, d.error, d.attempt) for d in deliveries] == [(200, "", 1)] * 3
    assert deliveries[0].payload_sha256 == hashlib.sha256(first["body"]).hexdigest()


def test_a_sensitive_motif_is_not_named_and_other_teams_endpoints_hear_nothing(
    receiver, django_capture_on_commit_callbacks
):
    other = Receiver()
    try:
        rendezvous = appointment(motif=MotifFactory(name="Entretien ASE", visibility=Motif.Visibility.MASQUE))
        endpoint_for(receiver.url, all_teams=True)
        endpoint_for(other.url, team=TeamFactory())
        with django_capture_on_commit_callbacks(execute=True):
            rdv_notify(rendezvous=rendezvous, event="created")
        assert other.requests == []
    finally:
        other.close()
    [received] = receiver.requests
    assert json.loads(received["body"])["rendezvous"]["motif"]["name"] is None
    assert b"ASE" not in received["body"]


def test_a_failing_receiver_is_logged_and_retried_later_with_the_same_delivery_id(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    server = Receiver(statuses=(500, 204))
    try:
        rendezvous = appointment()
        endpoint = endpoint_for(server.url, team=rendezvous.motif.team)
        body = json.dumps({"event": "rendezvous.created", "rendezvous": {"id": rendezvous.pk}})
        before = timezone.now()
        assert webhook_deliver.call(endpoint.pk, body, rendezvous.pk, "livraison-1", 1) == "retry"
        failed = WebhookDelivery.objects.get()
        assert (failed.status_code, failed.error, failed.attempt) == (500, "HTTP 500", 1)
        queued = DBTaskResult.objects.get(task_path="rendezvous.webhooks.webhook_deliver")
        assert queued.args_kwargs["args"] == [endpoint.pk, body, rendezvous.pk, "livraison-1", 2]
        assert (
            before + datetime.timedelta(seconds=55)
            <= queued.run_after
            <= timezone.now() + datetime.timedelta(minutes=1)
        )
        # The worker runs it when due: delivered, the same delivery id, the attempt counted.
        assert webhook_deliver.call(*queued.args_kwargs["args"]) == "delivered"
    finally:
        server.close()
    assert [r["headers"]["X-GRC-Delivery"] for r in server.requests] == ["livraison-1", "livraison-1"]
    assert list(WebhookDelivery.objects.order_by("pk").values_list("attempt", "status_code", "error")) == [
        (1, 500, "HTTP 500"),
        (2, 204, ""),
    ]


def test_an_unreachable_receiver_is_given_up_after_the_last_attempt(settings):
    settings.RENDEZVOUS_WEBHOOK_TIMEOUT = 2
    dead = Receiver()
    url = dead.url
    dead.close()  # nobody listens there any more
    rendezvous = appointment()
    endpoint = endpoint_for(url, team=rendezvous.motif.team)
    body = json.dumps({"event": "rendezvous.cancelled"})
    last = settings.RENDEZVOUS_WEBHOOK_MAX_ATTEMPTS
    assert webhook_deliver.call(endpoint.pk, body, rendezvous.pk, "livraison-2", last) == "abandoned"
    assert WebhookDelivery.objects.get().error == "ConnectError"


# --- the SMS provider: Brevo's client against a local stand-in of its API --------------------------------


def test_brevo_backend_sends_through_the_official_client(settings, django_capture_on_commit_callbacks):
    brevo = Receiver(statuses=(201,), body=b'{"messageId": 1511882900176220, "reference": "ab1cde2fgh3i4jklmno"}')
    try:
        settings.RENDEZVOUS_SMS_BACKEND = "rendezvous.notifications.sms.BrevoBackend"
        settings.RENDEZVOUS_SMS_BREVO_BASE_URL = brevo.url + "/v3"
        settings.BREVO_API_KEY = "xkeysib-test"
        settings.RENDEZVOUS_SMS_SENDER = "CD35"
        rendezvous = appointment()
        rendezvous.participants.update(phone="+33612345678", notify_sms=True)
        with django_capture_on_commit_callbacks(execute=True):
            rdv_notify(rendezvous=rendezvous, event="created")
    finally:
        brevo.close()
    [sent] = brevo.requests
    assert sent["path"] == "/v3/transactionalSMS/sms"
    assert sent["headers"]["api-key"] == "xkeysib-test"
    body = json.loads(sent["body"])
    assert (body["recipient"], body["sender"], body["type"]) == ("33612345678", "CD35", "transactional")
    assert "Atelier" not in body["content"] and body["content"].startswith("Rendez-vous confirmé")
    log = MessageLog.objects.get(channel="sms")
    assert (log.result, log.provider_id, log.text) == ("envoye", "1511882900176220", body["content"])
    assert len(mail.outbox) == 1


def test_brevo_refusal_is_a_french_error_naming_no_one(settings):
    brevo = Receiver(statuses=(400,), body=b'{"code": "invalid_parameter", "message": "Invalid phone number"}')
    try:
        settings.RENDEZVOUS_SMS_BREVO_BASE_URL = brevo.url + "/v3"
        settings.BREVO_API_KEY = "xkeysib-test"
        with pytest.raises(SmsError) as refused:
            BrevoBackend().send(to="+33612345678", text="Rendez-vous confirmé")
    finally:
        brevo.close()
    assert str(refused.value) == "Refusé par le prestataire SMS (statut 400)."


# --- the agent's webcal feed ----------------------------------------------------------------------------


def test_the_webcal_feed_shows_times_and_lieu_but_no_one(client):
    agent = UserFactory(staff=True)
    mine = appointment(motif=MotifFactory(name="Entretien RSA"))
    mine.agent = agent
    mine.save()
    appointment()  # another agent's
    raw = agent_calendar_token_create(user=agent)

    response = client.get(reverse("rendezvous_agent_feed", args=[raw]))
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert "Kerherv" not in text and "RSA" not in text
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert (str(event["SUMMARY"]), str(event["LOCATION"])) == ("Rendez-vous", "CDAS de Fougères")
    assert event.decoded("DTSTART") == mine.starts_at

    assert client.get(reverse("rendezvous_agent_feed", args=["cal_inconnu"])).status_code == 404
    agent_calendar_token_revoke(user=agent)
    assert client.get(reverse("rendezvous_agent_feed", args=[raw])).status_code == 404


def test_a_new_feed_token_revokes_the_old_one(client):
    agent = UserFactory(staff=True)
    old = agent_calendar_token_create(user=agent)
    new = agent_calendar_token_create(user=agent)
    assert client.get(reverse("rendezvous_agent_feed", args=[old])).status_code == 404
    assert client.get(reverse("rendezvous_agent_feed", args=[new])).status_code == 200


# --- the administrators' commands -----------------------------------------------------------------------


def test_declaring_a_webhook_prints_its_secret_once_and_refuses_plain_http():
    team = TeamFactory(code="pmi-cdas-vitre-test")
    out = io.StringIO()
    call_command(
        "rdv_webhook_create", name="Agenda", url="https://agenda.example.org/hook", team=[team.code], stdout=out
    )
    endpoint = WebhookEndpoint.objects.get()
    assert out.getvalue().strip().splitlines()[-1] == endpoint.secret and len(endpoint.secret) >= 40
    assert list(endpoint.teams.all()) == [team] and endpoint.history.count() == 1
    with pytest.raises(CommandError, match="https obligatoire"):
        call_command("rdv_webhook_create", name="Clair", url="http://agenda.example.org/", all_teams=True)
    with pytest.raises(CommandError, match="Équipe\\(s\\) inconnue\\(s\\) : nulle-part"):
        call_command("rdv_webhook_create", name="X", url="https://x.example.org/", team=["nulle-part"])
    assert WebhookEndpoint.objects.count() == 1


def test_an_agent_gets_their_feed_address_from_the_command(client):
    agent = UserFactory(staff=True, email="agent.feed@example.org")
    out = io.StringIO()
    call_command("rdv_calendar_token", email="agent.feed@example.org", stdout=out)
    url = out.getvalue().strip().splitlines()[-1]
    assert url.startswith("http://127.0.0.1:8000/agenda/cal_") and url.endswith(".ics")
    path = url.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    call_command("rdv_calendar_token", email=agent.email, revoke=True, stdout=io.StringIO())
    assert client.get(path).status_code == 404
