import pytest
from django.urls import reverse

from demandes import perms, selectors, services
from demandes.models import Request
from dossier_unique.models import TimelineEntry
from dossier_unique.selectors import timeline_for
from grc.audit.models import AccessLog
from grc.services.merge import citizen_merge, merge_undo
from tests.factories import CitizenFactory, MembershipFactory, verify_otp
from tests.requests.factories import filed_request, instructor

pytestmark = pytest.mark.django_db


def test_merge_moves_requests_and_undo_moves_them_back(team_a, manager_a):
    source, target = CitizenFactory(), CitizenFactory()
    agent = instructor(team_a)
    moved = services.request_open(
        citizen=source, procedure_title="Courrier", team=team_a, channel=Request.Channel.MAIL, actor=agent
    )
    stays = services.request_open(
        citizen=target, procedure_title="Téléphone", team=team_a, channel=Request.Channel.PHONE, actor=agent
    )
    merge = citizen_merge(source=source, target=target, actor=manager_a, reason="doublon")
    moved.refresh_from_db()
    assert moved.citizen == target
    assert moved.history.first().history_user == manager_a
    merge_undo(merge=merge, actor=manager_a, reason="deux personnes")
    moved.refresh_from_db()
    stays.refresh_from_db()
    assert moved.citizen == source and stays.citizen == target


def test_social_worker_sees_timeline_entry_but_not_the_request(team_a, team_b, worker_b, citizen):
    from tests.dossier_unique.factories import open_file

    # worker_b follows the citizen's file (team B); the request goes to team A.
    file, _acc = open_file(citizen=citizen, team=team_b, actor=worker_b, referent=worker_b)
    agent = instructor(team_a)
    request = services.request_open(
        citizen=citizen, procedure_title="Transport scolaire adapté", team=team_a, channel="phone", actor=agent
    )
    titles = [e.title for e in timeline_for(user=worker_b, file=file)]
    assert any("Transport scolaire adapté" in t for t in titles)
    assert not perms.can_view_request(worker_b, request)
    assert not selectors.requests_for(user=worker_b).filter(pk=request.pk).exists()
    assert perms.can_view_request(agent, request)


def test_assigned_agent_outside_team_keeps_access(team_a, team_b):
    request = filed_request(team=team_a)
    agent_a = instructor(team_a)
    services.request_assign(request=request, user=agent_a, actor=agent_a)
    services.request_forward(request=request, team=team_b, reason="compétence", actor=agent_a)
    request.refresh_from_db()
    assert not perms.can_view_request(agent_a, request)  # forwarding unassigns
    agent_b = instructor(team_b)
    services.request_assign(request=request, user=agent_b, actor=agent_b)
    assert perms.can_view_request(agent_b, request)
    assert selectors.requests_for(user=agent_b).filter(pk=request.pk).exists()


def test_citizen_sees_only_own_and_draft_only_via_account(team_a):
    mine = filed_request(team=team_a)
    other = filed_request(team=team_a)
    assert set(selectors.requests_for(user=mine.account)) == {mine}
    assert not perms.can_view_request(mine.account, other)


def test_ended_membership_loses_access(team_a):
    import datetime

    from grc.models import Membership

    request = filed_request(team=team_a)
    former = MembershipFactory(
        team=team_a,
        role=Membership.Role.INSTRUCTOR,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2021, 1, 1),
    ).user
    assert not perms.can_view_request(former, request)


def test_api_request_read_and_404(client, team_a, worker_b):
    request = filed_request(team=team_a, answers={"ecole": "Collège"})
    agent = instructor(team_a)
    verify_otp(client, agent)
    response = client.get(f"/api/v1/requests/{request.tracking_code}")
    assert response.status_code == 200
    data = response.json()
    assert data["answers"] == {"ecole": "Collège"} and data["status"] == "submitted"
    assert data["events"][0]["to_status"] == "submitted"
    assert AccessLog.objects.filter(actor=agent, action=AccessLog.Action.REQUEST_VIEW).count() == 1
    client.logout()
    verify_otp(client, worker_b)
    assert client.get(f"/api/v1/requests/{request.tracking_code}").status_code == 404


def test_api_team_queue(client, team_a, team_b, django_assert_max_num_queries):
    for _i in range(3):
        filed_request(team=team_a)
    agent = instructor(team_a)
    verify_otp(client, agent)
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/teams/{team_a.pk}/requests?limit=2")
    data = response.json()
    assert len(data["items"]) == 2 and data["has_more"] is True
    assert client.get(f"/api/v1/teams/{team_b.pk}/requests").status_code == 404
    assert client.get(f"/api/v1/teams/{team_a.pk}/requests?assigned=bogus").status_code == 422


def test_citizen_cannot_use_the_api(client, team_a):
    request = filed_request(team=team_a)
    client.force_login(request.account)
    assert client.get(f"/api/v1/requests/{request.tracking_code}").status_code == 401


def test_timeline_entry_kinds_for_workflow(team_a):
    request = filed_request(team=team_a)
    agent = instructor(team_a)
    services.request_message_post(request=request, author=agent, body="Bonjour", files=[], from_citizen=False)
    kinds = set(TimelineEntry.objects.filter(source_id=str(request.pk)).values_list("kind", flat=True))
    assert kinds == {TimelineEntry.Kind.REQUEST_SUBMITTED, TimelineEntry.Kind.REQUEST_MESSAGE}


def test_backoffice_nav_shows_requests_to_team_members(client, team_a):
    verify_otp(client, instructor(team_a))
    body = client.get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:request_queue_home") in body
