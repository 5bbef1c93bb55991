"""The back office's integration screens: webhook receivers (functional admins: declare with the secret shown once,
deliveries with retries, disable) and each agent's webcal feed (made, shown once, revoked). Others get a 404."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from grc.models import Membership
from rendezvous.models import AgentCalendarToken, WebhookDelivery, WebhookEndpoint
from tests.factories import MembershipFactory, TeamFactory, UserFactory, verify_otp
from tests.rendezvous.agents_setup import desk

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def admin():
    team = TeamFactory(name="Direction de l'action sociale")
    return MembershipFactory(team=team, role=Membership.Role.FUNCTIONAL_ADMIN).user, team


def test_the_admin_declares_a_webhook_sees_its_secret_once_its_deliveries_and_disables_it(client, admin):
    user, team = admin
    verify_otp(client, user)
    url = reverse("backoffice:rdv_webhooks")
    refused = client.post(url, {"name": "Agenda", "url": "http://agenda.example.org/hook", "teams": [team.pk]})
    assert "Adresse en https obligatoire" in _text(refused) and not WebhookEndpoint.objects.exists()
    no_team = client.post(url, {"name": "Agenda", "url": "https://agenda.example.org/hook"})
    assert "Choisissez au moins une équipe" in _text(no_team)
    created = client.post(url, {"name": "Agenda", "url": "https://agenda.example.org/hook", "teams": [team.pk]})
    endpoint = WebhookEndpoint.objects.get()
    [secret] = re.findall(r'id="webhook-secret">([^<]+)<', created.content.decode())
    assert secret == endpoint.secret and list(endpoint.teams.all()) == [team]
    assert endpoint.history.first().history_user == user
    # The secret is never shown again.
    assert secret not in client.get(url).content.decode()
    detail_url = reverse("backoffice:rdv_webhook_detail", args=[endpoint.pk])
    assert secret not in client.get(detail_url).content.decode()
    WebhookDelivery.objects.create(
        endpoint=endpoint, event="rendezvous.created", payload_sha256="0" * 64, error="ConnectTimeout"
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint, event="rendezvous.created", payload_sha256="0" * 64, attempt=2, status_code=204
    )
    detail = _text(client.get(detail_url))
    assert "ConnectTimeout" in detail and "HTTP 204" in detail and "<td>2</td>" in detail
    assert "1</td>" in _text(client.get(url))  # one failure in 7 days on the list
    client.post(reverse("backoffice:rdv_webhook_disable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.history.first().history_change_reason == "désactivation du webhook"
    again = client.post(reverse("backoffice:rdv_webhook_disable", args=[endpoint.pk]), follow=True)
    assert "déjà désactivé" in _text(again)


def test_agents_and_team_managers_get_404_on_webhooks(client, admin):
    _user, team = admin
    endpoint = WebhookEndpoint.objects.create(name="X", url="https://x.example.org", secret="s", all_teams=True)
    d = desk()
    manager = MembershipFactory(team=d.team, role=Membership.Role.TEAM_MANAGER).user
    for who in (d.agent, manager):
        verify_otp(client, who)
        assert client.get(reverse("backoffice:rdv_webhooks")).status_code == 404
        assert client.get(reverse("backoffice:rdv_webhook_detail", args=[endpoint.pk])).status_code == 404
        assert client.post(reverse("backoffice:rdv_webhook_disable", args=[endpoint.pk])).status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_an_agent_makes_their_feed_sees_it_once_and_revokes_it(client):
    d = desk()
    verify_otp(client, d.agent)
    url = reverse("backoffice:rdv_calendar_feed")
    assert "Aucun lien d'abonnement actif" in _text(client.get(url))
    made = client.post(url, {"action": "create"}).content.decode()
    [feed] = re.findall(r'id="feed-url">(webcal://[^<]+)<', made)
    token = feed.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in client.get(url).content.decode() and "actif depuis" in _text(client.get(url))
    # A calendar application fetches it without a session.
    feed_path = reverse("rendezvous_agent_feed", kwargs={"token": token})
    fetched = Client().get(feed_path)
    assert fetched.status_code == 200 and fetched.content.decode().startswith("BEGIN:VCALENDAR")
    client.post(url, {"action": "revoke"})
    assert AgentCalendarToken.objects.get(user=d.agent).revoked_at is not None
    assert Client().get(feed_path).status_code == 404
    # Someone without agendas (a citizen's account, a staff member without a team) gets a 404.
    verify_otp(client, UserFactory(staff=True))
    assert client.get(url).status_code == 404 and client.post(url, {"action": "create"}).status_code == 404
