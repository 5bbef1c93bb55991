"""The agents' appointment screens through a live server and a real HTTP client (httpx), logged in as a person is
(password, then second factor; CSRF cookie): moving an appointment (a taken slot refused in French, nothing moved;
the move kept in history) and resending an invitation (the new link sent by e-mail, the one before dead)."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.core import mail

from grc.models import ContactPoint
from rendezvous import services
from rendezvous.models import Invitation, MessageLog, Rendezvous
from tests.api_http.conftest import FLUSHABLE_APPS, _csrf_field, browser_session
from tests.factories import CitizenFactory
from tests.rendezvous.agents_setup import appointment, at, desk, open_day

pytestmark = pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)


def _value(when: datetime.datetime, agent, lieu) -> str:
    return f"{when.astimezone(datetime.UTC).isoformat()}|{agent.pk}|{lieu.pk}"


def test_an_agent_moves_an_appointment_and_resends_an_invitation_over_http(live_server):
    d = desk()
    day = open_day(2)
    rendezvous = appointment(d, at(day, 9), CitizenFactory(birth_name="Riou", first_names="Maël"))
    appointment(d, at(day, 11))  # someone else's, taken
    person = CitizenFactory(birth_name="Le Goff", first_names="Anaïs")
    ContactPoint.objects.create(
        citizen=person, kind=ContactPoint.Kind.EMAIL, value="anais@example.org", is_primary=True
    )
    invitation, first_token = services.invitation_create(citizen=person, motif=d.motif, actor=d.agent)
    move = f"/backoffice/rendez-vous/{rendezvous.pk}/deplacer/"
    with browser_session(live_server.url, d.agent) as client:
        page = client.get(move, params={"week": f"{at(day, 0):%d/%m/%Y}"})
        assert page.status_code == 200 and "Déplacer à ce créneau" in page.text
        ten = _value(at(day, 10), d.agent, d.lieu)
        assert f'value="{ten}"' in page.text and _value(at(day, 11), d.agent, d.lieu) not in page.text
        csrf = _csrf_field(page.text)
        taken = client.post(move, data={"csrfmiddlewaretoken": csrf, "slot": _value(at(day, 11), d.agent, d.lieu)})
        assert taken.status_code == 200 and "Ce créneau vient d'être pris" in html.unescape(taken.text)
        assert Rendezvous.objects.get(pk=rendezvous.pk).starts_at == at(day, 9)
        moved = client.post(move, data={"csrfmiddlewaretoken": csrf, "slot": ten})
        assert moved.status_code == 200 and "Le rendez-vous est déplacé" in moved.text
        rendezvous.refresh_from_db()
        assert rendezvous.starts_at == at(day, 10)
        assert rendezvous.history.first().history_change_reason == "Rendez-vous déplacé"

        # The invitation: resent by the worker (immediate in tests) with a new link; the first one is dead.
        listing = client.get("/backoffice/rendez-vous/invitations/")
        assert "Renvoyer le lien" in listing.text
        resent = client.post(
            f"/backoffice/rendez-vous/invitations/{invitation.pk}/renvoyer/",
            data={"csrfmiddlewaretoken": _csrf_field(listing.text)},
        )
        assert resent.status_code == 200 and "Le lien est renvoyé à la personne" in resent.text
        assert re.search(r"Courriel le \d\d/\d\d/\d{4} à \d\d:\d\d : envoyé", resent.text)
        assert first_token not in resent.text and "/invitation/" not in resent.text
    [sent] = [m for m in mail.outbox if m.to == ["anais@example.org"]]
    [link] = re.findall(r"https?://\S+/invitation/(\S+)/", sent.body)
    assert Invitation.objects.get(pk=invitation.pk).token_hash == services.invitation_token_hash(token=link)
    assert MessageLog.objects.filter(invitation=invitation, channel="email", result="envoye").count() == 1
