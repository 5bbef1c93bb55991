"""A task created from a request's page or a letter's page is about that request or letter, and the page lists
that subject's open tasks (done ones leave the list)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import verify_otp
from tests.requests.factories import filed_request, instructor
from tests.travail.test_bulk_mail import letter
from travail.models import Task

pytestmark = pytest.mark.django_db


def test_a_task_from_the_request_page_is_listed_there_until_done(client, team_a, worker_b):
    agent, colleague = instructor(team_a), instructor(team_a)
    req = filed_request(team=team_a)
    client = verify_otp(client, agent)
    page_url = reverse("backoffice:request_detail", args=[req.tracking_code])
    overdue = timezone.localdate() - datetime.timedelta(days=3)  # a fixed date would one day be refused as too old
    page = client.get(page_url).content.decode()
    assert "Aucune tâche ouverte." in page and f'name="request_code" value="{req.tracking_code}"' in page
    created = client.post(reverse("backoffice:task_create"), {
        "title": "Rappeler <script>x</script>", "due_date": overdue.isoformat(), "assignee": colleague.pk,
        "request_code": req.tracking_code, "next": page_url + "#taches",
    })  # fmt: skip
    assert created.status_code == 302 and created.url == page_url + "#taches"
    task = Task.objects.get()
    assert (task.request, task.assignee, task.created_by) == (req, colleague, agent)
    page = client.get(page_url).content.decode()
    assert "Rappeler &lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page and "en retard" in page
    # A task about another request does not show here.
    Task.objects.create(title="Autre chose", request=filed_request(team=team_a), assignee=agent, created_by=agent)
    assert "Autre chose" not in client.get(page_url).content.decode()
    done = client.post(reverse("backoffice:task_done", args=[task.pk]), {"next": page_url}, follow=True)
    assert "Aucune tâche ouverte." in done.content.decode()
    # Someone who may not see the request cannot hang a task on it.
    outsider = verify_otp(type(client)(), worker_b)
    refused = outsider.post(reverse("backoffice:task_create"), {"title": "x", "request_code": req.tracking_code})
    assert refused.status_code == 422 and "introuvable ou vous est inaccessible" in refused.content.decode()
    assert Task.objects.count() == 2


def test_a_task_from_the_letter_page_is_about_that_letter(client, team_a, worker_a, colleague_a):
    item = letter(team_a, 50, uploader=worker_a)
    client = verify_otp(client, worker_a)
    page_url = reverse("backoffice:mail_detail", args=[item.pk])
    page = client.get(page_url).content.decode()
    assert f'name="mail_item_id" value="{item.pk}"' in page and "Nouvelle tâche" in page
    client.post(reverse("backoffice:task_create"), {"title": "Répondre au courrier", "team": team_a.pk,
                                                    "mail_item_id": item.pk, "next": page_url})  # fmt: skip
    task = Task.objects.get()
    assert (task.mail_item, task.team, task.assignee) == (item, team_a, None)
    assert "Répondre au courrier" in client.get(page_url).content.decode()
    # A colleague of the team sees it on the letter's page too.
    assert "Répondre au courrier" in verify_otp(type(client)(), colleague_a).get(page_url).content.decode()
