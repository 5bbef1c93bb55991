"""Tasks and notifications through a live server and a real HTTP client (httpx): a staff member's browser
session (login, second factor, CSRF cookie), as a partner system or the back office's JavaScript reaches them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from demandes import services as request_services
from grc.models import Membership
from rendezvous import services as rdv_services
from rendezvous.models import Invitation
from tests.api_http.conftest import FLUSHABLE_APPS, browser_session, send
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.rendezvous.factories import MotifFactory
from tests.requests.factories import citizen_account, filed_request

live = pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
PREFIX = "/api/v1"


def _agent(team, **kwargs):
    user = UserFactory(staff=True, **kwargs)
    MembershipFactory(user=user, team=team, role=Membership.Role.INSTRUCTOR)
    return user


@live
def test_tasks_and_notifications_over_http_are_the_callers_own(live_server):
    team, other_team = TeamFactory(name="Transport — Rennes"), TeamFactory(name="PMI — Redon")
    agent, colleague, outsider = _agent(team), _agent(team), _agent(other_team)
    account, citizen = citizen_account()
    citizen.birth_name, citizen.first_names = "Kerhervé", "Maëlle"
    citizen.save()
    req = filed_request(team=team, account=account, citizen=citizen)
    request_services.request_assign(request=req, user=agent, actor=agent)
    request_services.request_message_post(request=req, author=account, body="Voici ma réponse", from_citizen=True)
    # An invitation to book the agent sent, expired unused and followed up by the scheduled job.
    motif = MotifFactory(team=team, name="Entretien transport")
    invitation, _token = rdv_services.invitation_create(citizen=citizen, motif=motif, valid_days=1, actor=agent)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert rdv_services.invitations_follow_up() == 1
    invitation_url = f"/backoffice/rendez-vous/invitations/#invitation-{invitation.pk}"

    with browser_session(live_server.url, agent) as client:
        # The citizen's message and the expired invitation made a task and a notification each: a kind and a
        # link, no name.
        tasks = send(client, "GET", f"{PREFIX}/tasks")
        assert [(t["source"], t["request_code"], t["invitation_id"], t["url"]) for t in tasks.json()["items"]] == [
            ("citizen_reply", req.tracking_code, None, f"/backoffice/demandes/{req.tracking_code}/"),
            ("invitation_expired", None, invitation.pk, invitation_url),
        ]
        assert "Kerhervé" not in tasks.text and "Maëlle" not in tasks.text
        notes = send(client, "GET", f"{PREFIX}/notifications", params={"unread": "true"})
        assert notes.status_code == 200
        body = notes.json()
        assert [(n["kind"], n["url"]) for n in body["items"]] == [
            ("invitation_expired", invitation_url),
            ("citizen_replied", f"/backoffice/demandes/{req.tracking_code}/"),
        ]
        assert "Kerhervé" not in notes.text and "Maëlle" not in notes.text
        # A task for a colleague.
        made = send(
            client,
            "POST",
            f"{PREFIX}/tasks",
            json={"title": "Appeler l'école", "assignee_id": colleague.pk, "request_code": req.tracking_code},
        )
        assert made.status_code == 201, made.text
        # Refusals: French 422 on the field, 404 for a request of another team, nothing saved.
        blank = send(client, "POST", f"{PREFIX}/tasks", json={"title": "   "})
        assert blank.status_code == 422 and blank.json()["detail"][0]["loc"] == ["body", "title"]
        outsider_task = send(client, "POST", f"{PREFIX}/tasks", json={"title": "X", "assignee_id": outsider.pk})
        assert outsider_task.status_code == 422
        assert "ne fait pas partie de vos équipes" in outsider_task.json()["detail"][0]["msg"]
        foreign = filed_request(team=other_team)
        hidden = send(client, "POST", f"{PREFIX}/tasks", json={"title": "X", "request_code": foreign.tracking_code})
        assert hidden.status_code == 404
        bad_scope = send(client, "GET", f"{PREFIX}/tasks", params={"scope": "tous"})
        assert bad_scope.status_code == 422

    with browser_session(live_server.url, colleague) as client:
        mine = send(client, "GET", f"{PREFIX}/tasks").json()["items"]
        assert [t["title"] for t in mine] == ["Appeler l'école"]
        assert send(client, "GET", f"{PREFIX}/notifications").json()["unread_count"] == 1
    with browser_session(live_server.url, outsider) as client:
        assert send(client, "GET", f"{PREFIX}/tasks").json()["items"] == []
        assert send(client, "GET", f"{PREFIX}/tasks", params={"scope": "equipe"}).json()["items"] == []
        assert send(client, "GET", f"{PREFIX}/notifications").json()["items"] == []
