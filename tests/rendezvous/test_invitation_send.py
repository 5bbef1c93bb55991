"""An invitation sent to the person by the worker: the queued task holds the invitation's id only, the worker draws
the token it sends (the agent's page never shows one that stops working), the link sent works, the SMS never names
the motif nor keeps the link in the log; nothing for a used or withdrawn invitation; the retention rule."""

import datetime
import html
import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dossier_unique.models import TimelineEntry
from grc.models import ContactPoint
from privacy.models import RetentionRule
from privacy.retention import retention_apply, retention_rules_ensure
from rendezvous import services
from rendezvous.models import Invitation, MessageLog
from rendezvous.notifications import invitations as sending
from rendezvous.notifications.sms import MemoryBackend
from rendezvous.tokens import invitation_token_hash
from tests.factories import CitizenFactory, verify_otp
from tests.rendezvous.agents_setup import desk

pytestmark = pytest.mark.django_db
MEMORY = "rendezvous.notifications.sms.MemoryBackend"


@pytest.fixture
def sms_outbox(settings):
    settings.RENDEZVOUS_SMS_BACKEND = MEMORY
    MemoryBackend.outbox = []
    return MemoryBackend.outbox


def _person(*, email="", mobile=""):
    person = CitizenFactory(birth_name="Le Goff", first_names="Anaïs")
    if email:
        ContactPoint.objects.create(citizen=person, kind=ContactPoint.Kind.EMAIL, value=email, is_primary=True)
    if mobile:
        ContactPoint.objects.create(citizen=person, kind=ContactPoint.Kind.MOBILE, value=mobile, is_primary=True)
    return person


def test_the_worker_sends_a_new_link_by_e_mail_and_sms_and_only_it_works(
    client, sms_outbox, monkeypatch, django_capture_on_commit_callbacks
):
    d = desk()
    person = _person(email="anais@example.org", mobile="06 12 34 56 78")
    queued = []
    monkeypatch.setattr(
        "rendezvous.services.agents.rdv_invitation_send", SimpleNamespace(enqueue=lambda *args: queued.append(args))
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            citizen=person, motif=d.motif, actor=d.agent, send_email=True, send_sms=True
        )
    # Only the id (and the channels) enter the queue: no token, no hash.
    assert queued == [(invitation.pk, True, True)]
    logs = sending.invitation_send(invitation_id=invitation.pk)
    assert {(log.channel, log.result) for log in logs} == {("email", "envoye"), ("sms", "envoye")}
    [message] = mail.outbox
    [link] = re.findall(r"https?://\S+/invitation/\S+/", message.body)
    assert d.motif.name in message.body and message.to == ["anais@example.org"]
    [(to, text)] = sms_outbox
    assert to == "+33612345678" and link in text and d.motif.name not in text
    sent_token = link.rstrip("/").rsplit("/", 1)[1]
    invitation.refresh_from_db()
    assert invitation.token_hash == invitation_token_hash(token=sent_token) != invitation_token_hash(token=token)
    sms_log = MessageLog.objects.get(invitation=invitation, channel="sms")
    assert sent_token not in sms_log.text and "[lien]" in sms_log.text
    # The link sent opens the booking page; the one made at creation does not any more.
    opened = client.get(urlsplit(link).path, follow=True)
    assert opened.status_code == 200 and d.motif.name in opened.content.decode()
    assert client.get(reverse("rdv:invitation_motifs", kwargs={"token": token})).status_code == 410  # "lien périmé"


def test_nothing_is_sent_for_a_used_or_withdrawn_invitation_and_no_contact_is_logged():
    d = desk()
    person = _person()
    invitation, _token = services.invitation_create(citizen=person, motif=d.motif, actor=d.agent)
    [failed] = sending.invitation_send(invitation_id=invitation.pk)
    assert failed.result == "echec" and "Aucune adresse électronique ni aucun mobile" in failed.error
    services.invitation_revoke(invitation=invitation, actor=d.agent)
    assert sending.invitation_send(invitation_id=invitation.pk) == []
    used, _token = services.invitation_create(citizen=_person(email="a@example.org"), motif=d.motif, actor=d.agent)
    Invitation.objects.filter(pk=used.pk).update(used_at=timezone.now())
    assert sending.invitation_send(invitation_id=used.pk) == [] and mail.outbox == []


def test_the_agent_s_page_sends_it_and_shows_no_link_or_shows_it_once_without_contact(
    client, django_capture_on_commit_callbacks
):
    d = desk()
    reachable, unreachable = _person(email="anais@example.org"), CitizenFactory()
    verify_otp(client, d.agent)
    form = reverse("backoffice:rdv_invite", args=[reachable.pk])
    assert "À l'adresse anais@example.org" in html.unescape(client.get(form).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(form, {"motif": d.motif.pk, "valid_days": 10, "send_email": "on"})
    text = html.unescape(sent.content.decode())
    assert "Le lien part à la personne" in text and 'id="invitation-link"' not in text
    assert len(mail.outbox) == 1 and "/invitation/" in mail.outbox[0].body
    shown = client.post(
        reverse("backoffice:rdv_invite", args=[unreachable.pk]), {"motif": d.motif.pk, "valid_days": 5}
    )
    assert 'id="invitation-link"' in shown.content.decode() and len(mail.outbox) == 1
    invitations = html.unescape(client.get(reverse("backoffice:rdv_invitations")).content.decode())
    # When each message went, to the minute; never a link or a token.
    assert re.search(r"Courriel le \d\d/\d\d/\d{4} à \d\d:\d\d : envoyé", invitations)
    assert "/invitation/" not in invitations


def test_invitations_go_a_year_after_their_end_with_their_messages_and_timeline(dpo):
    retention_rules_ensure(actor=dpo)
    rule = RetentionRule.objects.get(purpose="rdv_invitation")
    assert rule.duration_months == 12
    d = desk()
    old, _t = services.invitation_create(citizen=_person(email="a@example.org"), motif=d.motif, actor=d.agent)
    recent, _t = services.invitation_create(citizen=CitizenFactory(), motif=d.motif, actor=d.agent)
    sending.invitation_send(invitation_id=old.pk)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(days=400))
    run = retention_apply(rule=rule, actor=dpo)
    assert run.counts["invitations_deleted"] == 1 and run.counts["messages_deleted"] == 1
    assert list(Invitation.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Invitation.history.model.objects.filter(id=old.pk).exists()
    assert not MessageLog.objects.filter(invitation_id=old.pk).exists()
    assert not TimelineEntry.objects.filter(source_type="rendezvous.invitation", source_id=str(old.pk)).exists()
    assert TimelineEntry.objects.filter(source_type="rendezvous.invitation", source_id=str(recent.pk)).exists()


def test_the_agent_resends_a_waiting_invitation_with_a_new_link_and_the_old_one_stops(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    d = desk()
    person = _person(email="anais@example.org")
    invitation, _token = services.invitation_create(citizen=person, motif=d.motif, actor=d.agent)
    [first] = sending.invitation_send(invitation_id=invitation.pk)
    [first_link] = re.findall(r"https?://\S+/invitation/\S+/", mail.outbox[0].body)
    queued = []
    monkeypatch.setattr(
        "rendezvous.services.agents.rdv_invitation_send", SimpleNamespace(enqueue=lambda *args: queued.append(args))
    )
    verify_otp(client, d.colleague)  # a member of the motif's team, not the sender
    resend = reverse("backoffice:rdv_invitation_resend", args=[invitation.pk])
    assert client.get(resend).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(resend, follow=True)
    assert "Le lien est renvoyé à la personne" in html.unescape(answer.content.decode())
    assert queued == [(invitation.pk, True, True)]  # the id only: the worker draws the token
    assert invitation.history.first().history_change_reason == "Invitation renvoyée"
    [second] = sending.invitation_send(invitation_id=invitation.pk)
    [second_link] = re.findall(r"https?://\S+/invitation/\S+/", mail.outbox[1].body)
    assert second_link != first_link and first.result == second.result == "envoye"
    assert client.get(urlsplit(first_link).path).status_code == 410
    assert client.get(urlsplit(second_link).path, follow=True).status_code == 200
    page = html.unescape(client.get(reverse("backoffice:rdv_invitations")).content.decode())
    assert len(re.findall(r"Courriel le \d\d/\d\d/\d{4} à \d\d:\d\d : envoyé", page)) == 2
    assert "Renvoyer le lien" in page and "/invitation/" not in page


def test_a_used_or_withdrawn_invitation_is_not_resent_and_an_outsider_gets_404(client, monkeypatch):
    d = desk()
    queued = []
    monkeypatch.setattr(
        "rendezvous.services.agents.rdv_invitation_send", SimpleNamespace(enqueue=lambda *args: queued.append(args))
    )
    used, _t = services.invitation_create(citizen=_person(email="a@example.org"), motif=d.motif, actor=d.agent)
    Invitation.objects.filter(pk=used.pk).update(used_at=timezone.now())
    withdrawn, _t = services.invitation_create(citizen=_person(email="b@example.org"), motif=d.motif, actor=d.agent)
    services.invitation_revoke(invitation=withdrawn, actor=d.agent)
    hashes = dict(Invitation.objects.values_list("pk", "token_hash"))
    verify_otp(client, d.agent)
    for invitation, refusal in (
        (used, "Cette invitation a déjà servi à prendre un rendez-vous."),
        (withdrawn, "Cette invitation a expiré ou a été retirée : faites-en une nouvelle."),
    ):
        answer = client.post(reverse("backoffice:rdv_invitation_resend", args=[invitation.pk]), follow=True)
        assert answer.status_code == 200 and refusal in html.unescape(answer.content.decode())
    assert queued == [] and dict(Invitation.objects.values_list("pk", "token_hash")) == hashes
    outsider = desk(name="RSA — CDAS Fougères").agent
    verify_otp(client, outsider)
    assert client.post(reverse("backoffice:rdv_invitation_resend", args=[used.pk])).status_code == 404
    assert client.post(reverse("backoffice:rdv_invitation_resend", args=[999999])).status_code == 404
