"""Tasks: created by agents on a request, a file, a letter or nothing; created by themselves when a citizen
replies or sends documents; seen, done and reopened only by their people."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from demandes import services as request_services
from demandes.models import Request
from tests.dossier_unique.factories import open_file
from tests.factories import MembershipFactory, TeamFactory
from tests.requests.factories import filed_request, instructor, pdf_upload
from travail import selectors, services
from travail.models import Notification, Task

pytestmark = pytest.mark.django_db


def test_an_agent_gives_a_request_task_to_a_colleague_who_is_notified(team_a):
    me, colleague = instructor(team_a), instructor(team_a)
    req = filed_request(team=team_a)
    due = timezone.localdate() + datetime.timedelta(days=3)
    task = services.task_create(
        actor=me, title="  Rappeler  la mairie ", assignee=colleague, due_date=due, request=req
    )
    assert (task.title, task.assignee, task.request, task.created_by) == ("Rappeler la mairie", colleague, req, me)
    assert task.history.first().history_user == me
    [note] = Notification.objects.filter(recipient=colleague)
    assert note.kind == Notification.Kind.TASK_ASSIGNED
    assert note.url == f"/backoffice/demandes/{req.tracking_code}/"
    assert list(selectors.tasks_for(user=colleague)) == [task]
    assert list(selectors.tasks_for(user=me)) == []  # given away: not in "mine"


def test_a_task_for_oneself_sends_no_notification(team_a):
    me = instructor(team_a)
    services.task_create(actor=me, title="Relire le dossier", assignee=me)
    assert not Notification.objects.exists()


def test_bad_task_input_is_refused_in_french_and_nothing_is_saved(team_a, team_b, worker_b):
    me = instructor(team_a)
    req_elsewhere = filed_request(team=team_b)
    cases = [
        ({"title": "   ", "assignee": me}, "Indiquez ce qu'il faut faire."),
        ({"title": "x" * 201, "assignee": me}, "L'intitulé est trop long"),
        ({"title": "A", "assignee": worker_b}, "Cet agent ne fait pas partie de vos équipes."),
        ({"title": "A", "team": team_b}, "Vous ne pouvez pas confier une tâche à cette équipe."),
        ({"title": "A", "assignee": me, "request": req_elsewhere}, "Vous n'avez pas accès à cet élément."),
        ({"title": "A"}, "Confiez la tâche à un agent ou à une équipe."),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationError) as error:
            services.task_create(actor=me, **kwargs)
        assert any(message in m for m in error.value.messages), (kwargs, error.value.messages)
    assert not Task.objects.exists()


def test_a_team_task_is_seen_by_the_team_not_by_another_team(team_a, worker_a, colleague_a, worker_b):
    task = services.task_create(actor=worker_a, title="Préparer la synthèse", team=team_a)
    assert list(selectors.tasks_for(user=colleague_a, scope="equipe")) == [task]
    assert list(selectors.tasks_for(user=worker_b, scope="equipe")) == []
    with pytest.raises(ValidationError):
        services.task_complete(task=task, actor=worker_b)
    services.task_complete(task=task, actor=colleague_a)
    task.refresh_from_db()
    assert task.done_by == colleague_a and task.done_at is not None
    assert list(selectors.tasks_for(user=worker_a, scope="equipe")) == []
    assert list(selectors.tasks_for(user=worker_a, scope="faites")) == [task]
    services.task_reopen(task=task, actor=worker_a)
    task.refresh_from_db()
    assert task.done_at is None
    assert [h.history_change_reason for h in task.history.order_by("history_id")] == [
        "tâche créée",
        "tâche faite",
        "tâche rouverte",
    ]


def test_overdue_and_due_today_counts_follow_the_due_dates(team_a):
    me = instructor(team_a)
    today = timezone.localdate()
    for days in (-2, -1, 0, 5):
        services.task_create(actor=me, title=f"J{days}", assignee=me, due_date=today + datetime.timedelta(days=days))
    services.task_create(actor=me, title="Sans date", assignee=me)
    services.task_create(actor=me, title="Équipe", team=team_a)
    assert selectors.task_counts(user=me) == {"mine": 5, "overdue": 2, "due_today": 3, "team": 1}
    assert [t.title for t in selectors.tasks_for(user=me, due="en_retard")] == ["J-2", "J-1"]
    assert [t.title for t in selectors.tasks_for(user=me)][-1] == "Sans date"


def test_a_citizen_message_creates_one_task_for_the_assigned_agent(team_a):
    agent = instructor(team_a)
    req = filed_request(team=team_a)
    request_services.request_assign(request=req, user=agent, actor=agent)
    for body in ("Bonjour, où en est ma demande ?", "Pardon, j'ajoute une précision."):
        request_services.request_message_post(request=req, author=req.account, body=body, from_citizen=True)
    [task] = Task.objects.all()
    assert (task.source, task.assignee, task.team, task.request) == (Task.Source.CITIZEN_REPLY, agent, None, req)
    assert task.due_date == timezone.localdate() + datetime.timedelta(days=2)
    # Each message notifies; the task is not duplicated.
    assert Notification.objects.filter(recipient=agent, kind=Notification.Kind.CITIZEN_REPLIED).count() == 2


def test_documents_sent_back_create_a_team_task_when_nobody_has_the_request(team_a):
    agents = [instructor(team_a), instructor(team_a)]
    other_team_agent = instructor(TeamFactory(name="Autre équipe"))
    req = filed_request(team=team_a)
    request_services.request_ask_citizen(
        request=req, missing_items=["Justificatif de domicile"], message="Merci d'envoyer", actor=agents[0]
    )
    request_services.request_citizen_answer(
        request=Request.objects.get(pk=req.pk), message="", files=[pdf_upload()], actor=req.account
    )
    [task] = Task.objects.all()
    assert (task.source, task.assignee, task.team) == (Task.Source.DOCUMENT_RETURNED, None, team_a)
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert notified == {a.pk for a in agents} and other_team_agent.pk not in notified


def test_a_message_from_the_team_creates_no_task(team_a):
    agent = instructor(team_a)
    req = filed_request(team=team_a)
    request_services.request_message_post(
        request=req, author=agent, body="Nous revenons vers vous.", from_citizen=False
    )
    assert not Task.objects.exists()


def test_a_task_on_a_file_needs_the_file(team_a, worker_a, worker_b, citizen):
    file, _accompaniment = open_file(citizen=citizen, team=team_a, actor=worker_a)
    task = services.task_create(actor=worker_a, title="Visite à domicile", assignee=worker_a, file=file)
    assert services.subject_url(task=task) == f"/backoffice/dossiers/{file.pk}/"
    with pytest.raises(ValidationError):
        services.task_create(actor=worker_b, title="Lire", assignee=worker_b, file=file)


def test_membership_ended_hides_the_team_tasks(team_a, worker_a):
    member = MembershipFactory(team=team_a)
    services.task_create(actor=worker_a, title="Synthèse", team=team_a)
    assert selectors.tasks_for(user=member.user, scope="equipe").count() == 1
    member.end_date = timezone.localdate() - datetime.timedelta(days=1)
    member.start_date = member.end_date - datetime.timedelta(days=10)
    member.save()
    fresh = type(member.user).objects.get(pk=member.user.pk)
    assert selectors.tasks_for(user=fresh, scope="equipe").count() == 0
