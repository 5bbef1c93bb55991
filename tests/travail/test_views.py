"""The back office's "Ma journée", task list and notification pages, through the test client."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from demandes import services as request_services
from grc.audit.models import AccessLog
from rendezvous import services as rdv_services
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, verify_otp
from tests.rendezvous.factories import MotifFactory
from tests.requests.factories import filed_request, instructor
from travail import services
from travail.models import Notification, NotificationOptOut, Task
from travail.tasks import send_daily_digests

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(team_a, citizen):
    """An instructor of team A with, in that team: two requests assigned (one with an unread citizen message,
    one overdue), one unassigned, tasks overdue / today / later / for the team, and a routed letter."""
    agent = instructor(team_a)
    today = timezone.localdate()
    mine = [filed_request(team=team_a) for _ in range(2)]
    for req in mine:
        request_services.request_assign(request=req, user=agent, actor=agent)
    mine[1].due_date = today - datetime.timedelta(days=3)
    mine[1].save()
    request_services.request_message_post(request=mine[0], author=mine[0].account, body="Re", from_citizen=True)
    filed_request(team=team_a)
    for days in (-1, 0, 4):
        services.task_create(actor=agent, title=f"J{days}", assignee=agent, due_date=today + datetime.timedelta(days))
    services.task_create(actor=agent, title="Pour l'équipe", team=team_a)
    return {"agent": agent, "mine": mine}


def test_ma_journee_counts_link_to_the_filtered_lists(client, day, team_a):
    client = verify_otp(client, day["agent"])
    page = client.get(reverse("backoffice:home")).content.decode()
    tasks = reverse("backoffice:task_list")
    queue = reverse("backoffice:request_queue", args=[team_a.pk])
    # The auto task of the citizen's message is the agent's too: 4 open tasks, 1 overdue, 2 due today or before.
    assert f'href="{tasks}?vue=moi&amp;echeance=en_retard" class="day-alert">1 en retard' in page
    assert f'href="{tasks}?vue=moi&amp;echeance=aujourdhui">2 à faire aujourd' in page
    assert f'href="{tasks}?vue=moi">4 tâches ouvertes' in page
    assert f'href="{tasks}?vue=equipe">1 pour mes équipes' in page
    assert f'href="{queue}?attribution=me">2 à moi</a> <span class="badge badge-info">1 message non lu' in page
    assert f'href="{queue}?attribution=none">1 non attribuée' in page
    # My requests: the overdue one first, the one with the unread message marked; codes, never names.
    first, second = day["mine"][1].tracking_code, day["mine"][0].tracking_code
    assert page.index(first) < page.index(second)
    assert day["mine"][0].citizen.birth_name not in page
    # The filtered lists behind the links answer with what was counted.
    overdue = client.get(f"{tasks}?vue=moi&echeance=en_retard").content.decode()
    # The task cells, not the page: a CSRF token may hold "J0" (one run in twenty).
    assert "<td>J-1</td>" in overdue and "<td>J0</td>" not in overdue
    assert client.get(f"{queue}?attribution=me").context["page"].paginator.count == 2
    assert AccessLog.objects.filter(actor=day["agent"], purpose="ma journée : mes demandes").count() == 1


def test_ma_journee_query_count_does_not_grow_with_the_work(client, day, team_a, django_assert_max_num_queries):
    client = verify_otp(client, day["agent"])
    client.get(reverse("backoffice:home"))
    with django_assert_max_num_queries(40) as first:
        client.get(reverse("backoffice:home"))
    for _ in range(5):
        req = filed_request(team=team_a)
        request_services.request_assign(request=req, user=day["agent"], actor=day["agent"])
        services.task_create(actor=day["agent"], title="Encore", assignee=day["agent"])
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("backoffice:home"))


def test_ma_journee_shows_the_dpo_alerts_and_emergency_accesses_to_review(dpo_client):
    page = dpo_client.get(reverse("backoffice:home")).content.decode()
    assert f'href="{reverse("backoffice:dpo_alerts")}?statut=open">0 alerte ouverte' in page
    assert f'href="{reverse("backoffice:emergency_review")}">0 accès d' in page


def test_an_agent_sees_no_dpo_card(client, day):
    page = verify_otp(client, day["agent"]).get(reverse("backoffice:home")).content.decode()
    assert "Alertes ouvertes" not in page and "Accès d'urgence à examiner" not in page


def test_task_pages_create_complete_and_refuse_in_french(client, team_a, worker_a, worker_b, citizen):
    client = verify_otp(client, worker_a)
    file, _accompaniment = open_file(citizen=citizen, team=team_a, actor=worker_a)
    file_url = reverse("backoffice:file_detail", args=[file.pk])
    made = client.post(
        reverse("backoffice:task_create"),
        {"title": "Visite à domicile", "file_id": file.pk, "next": file_url, "due_date": "", "assignee": ""},
    )
    assert made.status_code == 302 and made.url == file_url
    task = Task.objects.get()
    assert (task.file, task.assignee) == (file, worker_a)
    blank = client.post(reverse("backoffice:task_create"), {"title": "", "assignee": ""})
    assert blank.status_code == 422 and "Champ requis." in blank.content.decode()
    done = client.post(reverse("backoffice:task_done", args=[task.pk]))
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.done_by == worker_a
    # Another team's agent: the task does not exist for them.
    other = verify_otp(type(client)(), worker_b)
    assert other.post(reverse("backoffice:task_reopen", args=[task.pk])).status_code == 404
    refused = other.post(reverse("backoffice:task_create"), {"title": "x", "file_id": file.pk})
    assert refused.status_code == 422 and "introuvable ou vous est inaccessible" in refused.content.decode()
    assert Task.objects.count() == 1


def test_task_list_query_count_is_pinned(client, team_a, worker_a, django_assert_max_num_queries):
    client = verify_otp(client, worker_a)
    for n in range(3):
        services.task_create(actor=worker_a, title=f"T{n}", assignee=worker_a, request=filed_request(team=team_a))
    client.get(reverse("backoffice:task_list"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("backoffice:task_list"))
    for n in range(10):
        services.task_create(actor=worker_a, title=f"U{n}", assignee=worker_a, request=filed_request(team=team_a))
    # Follow-up tasks of expired invitations link to theirs by id: no query per row either.
    motif = MotifFactory(team=team_a)
    for _ in range(3):
        invitation, _token = rdv_services.invitation_create(citizen=CitizenFactory(), motif=motif, actor=worker_a)
        services.task_for_invitation_expired(invitation=invitation)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("backoffice:task_list"))
    assert page.content.decode().count("Invitation n°") == 3


def test_daily_digest_names_the_kind_and_links_never_the_person(team_a, citizen, settings):
    agent = instructor(team_a)
    citizen.birth_name, citizen.first_names = "Kerhervé", "Maëlle"
    citizen.save()
    req = filed_request(team=team_a, citizen=citizen)
    request_services.request_assign(request=req, user=agent, actor=agent)
    request_services.request_message_post(request=req, author=req.account, body="Maëlle Kerhervé", from_citizen=True)
    services.task_create(actor=instructor(team_a), title="Appeler Mme Kerhervé", assignee=agent)
    mail.outbox.clear()
    result = send_daily_digests.call()
    assert result == {"agents": 1, "emails": 1, "notifications": 2}
    [message] = mail.outbox
    assert message.to == [agent.email]
    assert "Message d'un usager : 1" in message.body and "Tâche qui vous est confiée : 1" in message.body
    assert f"{settings.WAGTAILADMIN_BASE_URL}/backoffice/demandes/{req.tracking_code}/" in message.body
    for personal in ("Kerhervé", "Maëlle", "Appeler", req.procedure_title):
        assert personal not in message.body and personal not in message.subject
    # Each notification goes into one digest only.
    mail.outbox.clear()
    assert send_daily_digests.call() == {"agents": 0, "emails": 0, "notifications": 0}
    assert mail.outbox == []


def test_digest_opt_out_per_kind(client, team_a):
    agent = instructor(team_a)
    client = verify_otp(client, agent)
    page = client.post(reverse("backoffice:notification_settings"), {"task_assigned": "on"})
    assert page.status_code == 302
    assert set(NotificationOptOut.objects.filter(user=agent).values_list("kind", flat=True)) == {
        k for k in Notification.Kind.values if k != "task_assigned"
    }
    req = filed_request(team=team_a)
    request_services.request_assign(request=req, user=agent, actor=agent)
    request_services.request_message_post(request=req, author=req.account, body="Bonjour", from_citizen=True)
    mail.outbox.clear()
    assert send_daily_digests.call()["emails"] == 0
    services.task_create(actor=instructor(team_a), title="Relire", assignee=agent)
    send_daily_digests.call()
    [message] = mail.outbox
    assert "Tâche qui vous est confiée : 1" in message.body and "Message d'un usager" not in message.body
    # The in-app list still shows every kind, and marking read is the agent's own.
    listing = client.get(reverse("backoffice:notification_list")).content.decode()
    assert "Message d&#x27;un usager" in listing and "Tâche qui vous est confiée" in listing
    client.post(reverse("backoffice:notifications_read"))
    assert not Notification.objects.filter(recipient=agent, read_at__isnull=True).exists()


def test_the_digest_is_scheduled_daily(settings):
    from django.utils.module_loading import import_string

    job = settings.SCHEDULED_JOBS["travail_digest"]
    assert import_string(job["task"]) is send_daily_digests and "daily" in job
