"""An invitation to book that expired without a booking becomes a task in the agent's day: made by the scheduled
follow-up command (``rendezvous.events.invitation_expired``), for the agent who sent it or else the motif's team,
with a notification and a link to the invitations page; closed by itself once nobody needs to call the person
back (``rendezvous.events.invitation_closed``); never seen outside its people; kept when the invitation is purged."""

from __future__ import annotations

import datetime
import html
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dossier_unique.models import TimelineEntry
from grc.models import Membership
from privacy.models import RetentionRule
from privacy.retention import retention_apply, retention_rules_ensure
from rendezvous import services as rdv_services
from rendezvous.models import Invitation, Motif
from tests.factories import CitizenFactory, MembershipFactory, verify_otp
from tests.rendezvous.agents_setup import at, desk, open_day
from travail import services
from travail.models import Notification, Task
from travail.tasks import send_daily_digests

pytestmark = pytest.mark.django_db
TASKS = "/backoffice/taches/"


def _expired_invitation(d, *, citizen=None, sender=None):
    """An invitation of ``sender`` (the desk's agent) that expired a minute ago, unused."""
    invitation, _token = rdv_services.invitation_create(
        citizen=citizen or CitizenFactory(birth_name="Kerhervé", first_names="Maëlle"),
        motif=d.motif,
        valid_days=1,
        actor=sender or d.agent,
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    return invitation


def _book_by_phone(d, citizen, hour: int):
    """The desk's agent books ``citizen`` for the desk's motif, in two working days at ``hour`` (a participant)."""
    return rdv_services.rdv_book(
        motif=d.motif,
        starts_at=at(open_day(2), hour),
        citizen=citizen,
        actor=d.agent,
        channel="agent",
        lieu=d.lieu,
        notify_email=False,
    )


def _follow_up(django_capture_on_commit_callbacks) -> str:
    """Run the scheduled command as the scheduler does (``SCHEDULED_JOBS``); its summary."""
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rdv_invitation_followups", "--no-progress", stdout=out)
    return out.getvalue()


def test_the_scheduled_follow_up_puts_one_task_in_the_sender_s_day_with_its_link(
    client, settings, django_capture_on_commit_callbacks
):
    d = desk()
    invitation = _expired_invitation(d)
    mail.outbox.clear()
    assert settings.SCHEDULED_JOBS["appointment_invitation_followups"]["command"] == "rdv_invitation_followups"
    assert "relancées : 1" in _follow_up(django_capture_on_commit_callbacks)

    task = Task.objects.get()
    link = f"/backoffice/rendez-vous/invitations/#invitation-{invitation.pk}"
    assert (task.invitation, task.assignee, task.team) == (invitation, d.agent, None)
    assert task.source == "invitation_expired"
    assert task.due_date == timezone.localdate() + datetime.timedelta(days=2)
    assert task.title == f"Relancer : invitation sans rendez-vous (motif « {d.motif.name} »)"
    [note] = Notification.objects.all()
    assert (note.recipient, note.kind, note.url, note.task) == (d.agent, "invitation_expired", link, task)
    # What was there before stays: the e-mail to the sender and the team's timeline entry.
    assert [m.to for m in mail.outbox] == [[d.agent.email]]
    assert TimelineEntry.objects.filter(citizen=invitation.citizen, title__contains="relance à faire").count() == 1

    # In "Mes tâches", with a link to the invitation's row on the invitations page, where the person is named.
    verify_otp(client, d.agent)
    tasks = html.unescape(client.get(TASKS).content.decode())
    assert task.title in tasks and f'<a href="{link}">Invitation n° {invitation.pk}</a>' in tasks
    assert "Invitation expirée sans rendez-vous" in tasks  # the source, under the title
    assert "Kerhervé" not in tasks and "KERHERVÉ" not in tasks
    invitations = html.unescape(client.get(link.split("#")[0]).content.decode())
    assert f'<tr id="invitation-{invitation.pk}">' in invitations and "KERHERVÉ" in invitations
    notes = html.unescape(client.get(reverse("backoffice:notification_list")).content.decode())
    assert f'<a href="{link}">Invitation sans rendez-vous à relancer</a>' in notes

    # A second run finds nothing to follow up: no second task, no second notification or e-mail.
    assert "relancées : 0" in _follow_up(django_capture_on_commit_callbacks)
    assert (Task.objects.count(), Notification.objects.count(), len(mail.outbox)) == (1, 1, 1)
    # Asking again (a constraint stands behind it) returns the same task and notifies nobody.
    assert services.task_for_invitation_expired(invitation=invitation) == task
    assert Notification.objects.count() == 1


def test_the_follow_up_closes_itself_when_the_person_is_invited_again_or_booked(
    django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    d = desk()
    person, other = CitizenFactory(), CitizenFactory()
    first = _expired_invitation(d, citizen=person)
    second = _expired_invitation(d, citizen=other)
    # A fixed number of queries per invitation: the follow-up's 8, then 7 for the task and its notification.
    with django_assert_max_num_queries(1 + 15 * 2):
        _follow_up(django_capture_on_commit_callbacks)
    by_invitation = {task.invitation_id: task for task in Task.objects.all()}

    # The link of an expired invitation is not sent again (refused in French): the task stays open.
    with pytest.raises(ValidationError, match="faites-en une nouvelle"):
        rdv_services.invitation_resend(invitation=first, actor=d.agent)
    assert Task.objects.filter(done_at__isnull=True).count() == 2
    # A new link for the same person and motif is the follow-up: the task is done, by whom and why in its history.
    rdv_services.invitation_create(citizen=person, motif=d.motif, actor=d.colleague)
    task = Task.objects.get(pk=by_invitation[first.pk].pk)
    assert task.done_at is not None and task.done_by == d.colleague
    last = task.history.first()
    assert (last.history_user, last.history_change_reason) == (d.colleague, "close : nouvelle invitation envoyée")
    assert not list(Task.objects.filter(assignee=d.agent, done_at__isnull=True, invitation=first))
    # Its notification is no longer waiting (nor sent in tomorrow's digest); the other one still is.
    assert [n.task.invitation_id for n in Notification.objects.filter(read_at__isnull=True)] == [second.pk]
    assert send_daily_digests.call() == {"agents": 1, "emails": 1, "notifications": 1}

    # An agent books the other person for that motif: that task is done too.
    _book_by_phone(d, other, 10)
    task = Task.objects.get(pk=by_invitation[second.pk].pk)
    assert task.done_by == d.agent
    assert task.history.first().history_change_reason == "close : rendez-vous pris pour ce motif"
    # Withdrawing an invitation closes its task (reopened here to see it).
    task.done_at = task.done_by = None
    task.save()
    rdv_services.invitation_revoke(invitation=second, actor=d.colleague)
    task.refresh_from_db()
    assert task.done_by == d.colleague and task.history.first().history_change_reason == "close : invitation retirée"


def test_a_cancelled_booking_opens_the_follow_up_again_unless_something_else_answers_it(
    client, django_capture_on_commit_callbacks
):
    """The task closed itself because the person was booked for the motif; that appointment is cancelled: the
    invitations page says « à relancer » again, and so does the agent's day (the task open again, notified)."""
    d = desk()
    alone, twice, called = (_expired_invitation(d, citizen=CitizenFactory()) for _ in range(3))
    _follow_up(django_capture_on_commit_callbacks)
    task_of = {task.invitation_id: task.pk for task in Task.objects.all()}

    def book(invitation, hour):
        return _book_by_phone(d, invitation.citizen, hour).rendezvous

    # The agent called that person back and ticked the task done by hand, then booked them.
    services.task_complete(task=Task.objects.get(pk=task_of[called.pk]), actor=d.agent)
    first, _kept, other, by_phone = book(alone, 9), book(twice, 10), book(twice, 11), book(called, 14)
    assert not Task.objects.filter(done_at__isnull=True).exists()
    Notification.objects.update(read_at=timezone.now())

    for rendezvous in (first, other, by_phone):
        rdv_services.rdv_cancel(rendezvous=rendezvous, actor=d.colleague, reason="Agent malade")

    reopened = Task.objects.get(pk=task_of[alone.pk])
    assert (reopened.done_at, reopened.done_by) == (None, None)
    last = reopened.history.first()
    assert (last.history_user, last.history_change_reason) == (
        d.colleague,
        "rouverte : le rendez-vous pris pour ce motif est annulé",
    )
    assert reopened.due_date >= timezone.localdate()
    [note] = Notification.objects.filter(read_at__isnull=True)
    assert (note.recipient, note.task) == (d.agent, reopened)
    # Still booked on another appointment for the motif: nobody to call back.
    assert Task.objects.get(pk=task_of[twice.pk]).done_at is not None
    # Done by the agent's hand, not by the booking: stays done (theirs to judge).
    assert Task.objects.get(pk=task_of[called.pk]).done_at is not None

    # The invitations page and the day agree: the one reopened is « à relancer », the one still booked is not.
    verify_otp(client, d.agent)
    page = client.get(reverse("backoffice:rdv_invitations")).content.decode()
    rows = {pk: page.split(f'id="invitation-{pk}"', 1)[1].split("</tr>", 1)[0] for pk in (alone.pk, twice.pk)}
    assert "Sans rendez-vous : à relancer" in rows[alone.pk]
    assert "Sans rendez-vous : à relancer" not in rows[twice.pk] and "Rendez-vous pris depuis" in rows[twice.pk]
    mine = client.get(TASKS).content.decode()
    assert f"motif « {html.escape(d.motif.name)} »" in mine


def test_a_reopened_follow_up_whose_agent_left_the_appointments_goes_to_the_team(django_capture_on_commit_callbacks):
    d = desk()
    invitation = _expired_invitation(d, sender=d.colleague)
    _follow_up(django_capture_on_commit_callbacks)
    assert Task.objects.get().assignee == d.colleague
    booked = _book_by_phone(d, invitation.citizen, 9).rendezvous
    Membership.objects.filter(user=d.colleague, team=d.team).update(
        end_date=timezone.localdate() - datetime.timedelta(1)
    )
    Notification.objects.update(read_at=timezone.now())

    rdv_services.rdv_cancel(rendezvous=booked, actor=d.agent)

    task = Task.objects.get()
    assert (task.done_at, task.assignee, task.team) == (None, None, d.team)
    assert [n.recipient for n in Notification.objects.filter(read_at__isnull=True)] == [d.agent]


def test_no_task_for_an_invitation_the_person_answered_another_way_before_it_expired(
    django_capture_on_commit_callbacks,
):
    d = desk()
    reinvited, booked, cancelled, forgotten = (_expired_invitation(d, citizen=CitizenFactory()) for _ in range(4))
    # Before it expired: a second link for the same motif (still waiting), and bookings made by phone, one of
    # them cancelled since (no answer: that person is still to call back).
    rdv_services.invitation_create(citizen=reinvited.citizen, motif=d.motif, valid_days=10, actor=d.colleague)
    for hour, invitation in ((10, booked), (11, cancelled)):
        participant = _book_by_phone(d, invitation.citizen, hour)
    rdv_services.rdv_cancel(rendezvous=participant.rendezvous, actor=d.agent)
    mail.outbox.clear()
    assert "relancées : 2" in _follow_up(django_capture_on_commit_callbacks)
    assert sorted(task.invitation_id for task in Task.objects.all()) == sorted([cancelled.pk, forgotten.pk])
    assert [m.to for m in mail.outbox] == [[d.agent.email]] * 2


def test_a_sender_who_left_the_team_hands_the_task_to_the_team_and_a_sensitive_motif_is_not_named(
    client, django_capture_on_commit_callbacks
):
    d = desk(kind="ase", name="ASE — CDAS Redon", visibility=Motif.Visibility.MASQUE)
    MembershipFactory(team=d.team, role=Membership.Role.MAILROOM_AGENT)
    invitation = _expired_invitation(d)
    Membership.objects.filter(user=d.agent, team=d.team).update(end_date=timezone.localdate() - datetime.timedelta(1))
    _follow_up(django_capture_on_commit_callbacks)

    task = Task.objects.get()
    assert (task.assignee, task.team, task.invitation) == (None, d.team, invitation)
    assert task.title == "Relancer : invitation sans rendez-vous" and d.motif.name not in task.title
    # The team's agents who work its appointments are told; not the one who left, not the mailroom.
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {d.colleague.pk}
    verify_otp(client, d.colleague)
    team_tasks = html.unescape(client.get(TASKS, {"vue": "equipe"}).content.decode())
    assert task.title in team_tasks and f"Invitation n° {invitation.pk}" in team_tasks
    done = client.post(reverse("backoffice:task_done", args=[task.pk]))
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.done_by == d.colleague


def test_another_team_does_not_see_the_task_and_a_purge_of_the_invitation_keeps_it(
    client, dpo, django_capture_on_commit_callbacks
):
    d = desk()
    elsewhere = desk(name="PMI — CDAS Fougères", kind="pmi")
    invitation = _expired_invitation(d)
    _follow_up(django_capture_on_commit_callbacks)
    task = Task.objects.get()

    verify_otp(client, elsewhere.agent)
    assert f"Invitation n° {invitation.pk}" not in client.get(TASKS, {"vue": "equipe"}).content.decode()
    assert client.post(reverse("backoffice:task_done", args=[task.pk])).status_code == 404
    assert client.post(reverse("backoffice:task_reopen", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.done_at is None

    # A year after its end the invitation goes (rendezvous' retention rule); the task stays, without its link.
    retention_rules_ensure(actor=dpo)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(days=400))
    run = retention_apply(rule=RetentionRule.objects.get(purpose="rdv_invitation"), actor=dpo)
    assert run.counts["invitations_deleted"] == 1
    task.refresh_from_db()
    assert task.invitation_id is None and task.title.startswith("Relancer")
