"""The agents' services: outcomes and attendance, absences, invitations and their follow-up."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from dossier_unique.models import TimelineEntry
from grc.models import Team
from rendezvous import services
from rendezvous.models import Absence, Invitation, Motif, Participant
from rendezvous.slots import free_slots
from tests.factories import CitizenFactory
from tests.rendezvous.agents_setup import appointment, at, desk, open_day

pytestmark = pytest.mark.django_db


# --- outcomes ---------------------------------------------------------------------------------------------------


def test_marking_seen_asks_what_was_done_and_saves_nothing_without_it():
    d = desk()
    rendezvous = appointment(d, at(-1, 10))
    participant = rendezvous.participants.get()
    with pytest.raises(ValidationError) as refused:
        services.participant_outcome_set(participant=participant, status="vu", outcome_note="  ", actor=d.agent)
    assert refused.value.message_dict == {"outcome_note": ["Indiquez ce qui a été fait pendant le rendez-vous."]}
    participant.refresh_from_db()
    assert participant.status == Participant.Status.A_VENIR
    assert not TimelineEntry.objects.filter(citizen=participant.citizen).exists()

    services.participant_outcome_set(
        participant=participant, status="vu", outcome_note="Dossier RSA complété, CER à signer.", actor=d.agent
    )
    participant.refresh_from_db()
    assert (participant.status, participant.outcome_note) == ("vu", "Dossier RSA complété, CER à signer.")
    assert participant.history.latest().history_user == d.agent
    entry = TimelineEntry.objects.get(citizen=participant.citizen)
    assert entry.title.endswith(": vu") and entry.source_type == "rendezvous.rendezvous"


def test_an_appointment_to_come_cannot_be_marked_seen_or_absent_but_may_be_excused():
    d = desk()
    participant = appointment(d, at(2, 10)).participants.get()
    for status in ("vu", "absent"):
        with pytest.raises(ValidationError, match="pas encore commencé"):
            services.participant_outcome_set(participant=participant, status=status, outcome_note="x", actor=d.agent)
    services.participant_outcome_set(participant=participant, status="excuse", actor=d.agent)
    participant.refresh_from_db()
    assert participant.status == "excuse" and participant.outcome_note == ""


def test_an_unknown_status_or_a_cancelled_appointment_is_refused_in_french():
    d = desk()
    rendezvous = appointment(d, at(-1, 9))
    participant = rendezvous.participants.get()
    with pytest.raises(ValidationError, match="Choisissez un statut"):
        services.participant_outcome_set(participant=participant, status="annule", actor=d.agent)
    services.rdv_cancel(rendezvous=rendezvous, actor=d.agent, reason="Agent malade")
    participant.refresh_from_db()
    with pytest.raises(ValidationError, match="annulé"):
        services.participant_outcome_set(participant=participant, status="excuse", actor=d.agent)


def test_digital_help_is_kept_when_the_motif_is_the_accueil_numerique():
    d = desk(kind=Team.Kind.MEDIATION, name="Accueil numérique — CDAS Vitré")
    assert services.motif_asks_digital_help(motif=d.motif)
    assert not services.motif_asks_digital_help(motif=desk(name="RSA — CDAS Redon").motif)
    participant = appointment(d, at(-1, 11)).participants.get()
    with pytest.raises(ValidationError, match="niveau d'aide"):
        services.participant_outcome_set(
            participant=participant, status="vu", outcome_note="CAF", digital_help_level="magie", actor=d.agent
        )
    with pytest.raises(ValidationError, match="Indiquez le niveau d'aide numérique"):
        services.participant_outcome_set(participant=participant, status="vu", outcome_note="CAF", actor=d.agent)
    participant.refresh_from_db()
    assert (participant.status, participant.outcome_note) == ("a_venir", "")
    services.participant_outcome_set(
        participant=participant,
        status="vu",
        outcome_note="Création du compte CAF",
        digital_help_level="faire_avec",
        actor=d.agent,
    )
    participant.refresh_from_db()
    assert participant.digital_help_level == "faire_avec"


def test_group_attendance_is_all_or_nothing_and_writes_one_entry_per_person():
    d = desk(capacity=8)
    people = CitizenFactory.create_batch(3)
    rendezvous = appointment(d, at(-1, 14), *people)
    participants = list(rendezvous.participants.order_by("pk"))
    statuses = {participants[0].pk: "vu", participants[1].pk: "absent", participants[2].pk: "excuse"}
    with pytest.raises(ValidationError, match="ce qui a été fait"):
        services.attendance_record(rendezvous=rendezvous, statuses=statuses, actor=d.agent)
    assert set(rendezvous.participants.values_list("status", flat=True)) == {"a_venir"}

    changed = services.attendance_record(
        rendezvous=rendezvous, statuses=statuses, outcome_note="Atelier budget : 2 h", actor=d.agent
    )
    assert changed == 3
    got = dict(rendezvous.participants.values_list("citizen_id", "status"))
    assert got == {people[0].pk: "vu", people[1].pk: "absent", people[2].pk: "excuse"}
    assert rendezvous.participants.get(citizen=people[0]).outcome_note == "Atelier budget : 2 h"
    assert rendezvous.participants.get(citizen=people[1]).outcome_note == ""
    assert TimelineEntry.objects.filter(citizen__in=people).count() == 3
    assert (
        services.attendance_record(
            rendezvous=rendezvous, statuses=statuses, outcome_note="Atelier budget : 2 h", actor=d.agent
        )
        == 0
    )


# --- absences ---------------------------------------------------------------------------------------------------


def test_an_absence_removes_the_free_slots_and_reports_appointments_already_booked():
    d = desk()
    day = open_day(3)
    appointment(d, at(day, 10))
    window = {"motif": d.motif, "start": at(day, 8), "end": at(day, 18), "enforce_delays": False}
    before = free_slots(**window)
    assert before
    absence = services.absence_create(
        agent=d.agent, starts_at=at(day, 0), ends_at=at(day + 1, 0), title="Formation", actor=d.agent
    )
    assert absence.overlapping == 1
    assert free_slots(**window) == []
    services.absence_delete(absence=absence, actor=d.agent)
    assert free_slots(**window) == before
    assert Absence.history.filter(history_type="-", history_user=d.agent).count() == 1


def test_an_absence_ending_before_it_starts_is_refused():
    d = desk()
    with pytest.raises(ValidationError) as refused:
        services.absence_create(agent=d.agent, starts_at=at(3, 12), ends_at=at(3, 9), actor=d.agent)
    assert "après son début" in str(refused.value)
    assert not Absence.objects.exists()


def _ics(*events: str) -> io.BytesIO:
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Outlook//FR\r\n" + "".join(events) + "END:VCALENDAR\r\n"
    upload = io.BytesIO(body.encode())
    upload.name = "agenda.ics"
    upload.size = len(body.encode())
    return upload


def _event(uid: str, start: datetime.datetime, end: datetime.datetime, summary="Formation", extra="") -> str:
    fmt = "%Y%m%dT%H%M%S"
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART;TZID=Europe/Paris:{start:{fmt}}\r\n"
        f"DTEND;TZID=Europe/Paris:{end:{fmt}}\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\n"
    )


def test_ics_import_creates_absences_once_updates_and_removes_what_left_the_calendar():
    d = desk()
    training = _event("a1@outlook", at(5, 9), at(5, 12))
    weekly = _event("w1@outlook", at(7, 14), at(7, 16), "Réunion d'équipe", "RRULE:FREQ=WEEKLY;COUNT=3\r\n")
    free = _event("f1@outlook", at(6, 9), at(6, 10), "Pause", "TRANSP:TRANSPARENT\r\n")
    cancelled = _event("c1@outlook", at(6, 14), at(6, 15), "Annulé", "STATUS:CANCELLED\r\n")
    first = services.absences_import_ics(agent=d.agent, upload=_ics(training, weekly, free, cancelled), actor=d.agent)
    assert (first.created, first.updated, first.removed) == (4, 0, 0)
    assert Absence.objects.filter(agent=d.agent, source="ics").count() == 4
    assert sorted(a.starts_at for a in Absence.objects.filter(title="Réunion d'équipe")) == [
        at(7, 14),
        at(14, 14),
        at(21, 14),
    ]

    again = services.absences_import_ics(agent=d.agent, upload=_ics(training, weekly), actor=d.agent)
    assert (again.created, again.updated, again.removed, again.unchanged) == (0, 0, 0, 4)

    moved = _event("a1@outlook", at(5, 9), at(5, 17))  # longer, same UID
    manual = services.absence_create(agent=d.agent, starts_at=at(9, 0), ends_at=at(10, 0), actor=d.agent)
    last = services.absences_import_ics(agent=d.agent, upload=_ics(moved), actor=d.agent)
    assert (last.created, last.updated, last.removed) == (0, 1, 3)
    assert list(Absence.objects.filter(agent=d.agent).order_by("starts_at").values_list("source", "ends_at")) == [
        ("ics", at(5, 17)),
        ("manuel", manual.ends_at),
    ]


def test_ics_import_of_a_refused_file_writes_nothing_and_keeps_earlier_absences():
    d = desk()
    services.absences_import_ics(agent=d.agent, upload=_ics(_event("a1", at(5, 9), at(5, 12))), actor=d.agent)
    broken = io.BytesIO(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n")
    broken.name, broken.size = "agenda.ics", 40
    with pytest.raises(ValidationError, match="illisible"):
        services.absences_import_ics(agent=d.agent, upload=broken, actor=d.agent)
    assert Absence.objects.filter(agent=d.agent).count() == 1


# --- invitations ------------------------------------------------------------------------------------------------


def test_an_invitation_stores_only_the_hash_of_its_token_and_is_on_the_timeline():
    d = desk()
    citizen = CitizenFactory()
    invitation, token = services.invitation_create(citizen=citizen, motif=d.motif, lieu=d.lieu, actor=d.agent)
    assert len(token) >= 40 and token not in invitation.token_hash
    assert Invitation.objects.get(token_hash=services.invitation_token_hash(token=token)) == invitation
    assert invitation.expires_at - timezone.now() > datetime.timedelta(days=13)
    entry = TimelineEntry.objects.get(citizen=citizen)
    assert entry.source_type == "rendezvous.invitation" and "Invitation" in entry.title
    with pytest.raises(ValidationError, match="de 1 à 60 jours"):
        services.invitation_create(citizen=citizen, motif=d.motif, valid_days=90, actor=d.agent)


def test_follow_up_of_an_expired_unused_invitation_tells_the_agent_once(django_capture_on_commit_callbacks):
    d = desk(kind=Team.Kind.ASE, name="ASE — CDAS Vitré", visibility=Motif.Visibility.MASQUE)
    citizen = CitizenFactory(birth_name="Lemoine")
    expired, _token = services.invitation_create(citizen=citizen, motif=d.motif, valid_days=1, actor=d.agent)
    used, _token = services.invitation_create(citizen=CitizenFactory(), motif=d.motif, valid_days=1, actor=d.agent)
    used.used_at = timezone.now()
    used.save()
    waiting, _token = services.invitation_create(citizen=CitizenFactory(), motif=d.motif, valid_days=10, actor=d.agent)
    revoked, _token = services.invitation_create(citizen=CitizenFactory(), motif=d.motif, valid_days=1, actor=d.agent)
    services.invitation_revoke(invitation=revoked, actor=d.agent)
    later = timezone.now() + datetime.timedelta(days=2)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_follow_up(now=later) == 1
    expired.refresh_from_db()
    assert expired.followed_up_at == later
    entry = TimelineEntry.objects.filter(citizen=citizen).latest("occurred_at")
    assert "relance" in entry.title and (entry.visibility, entry.team_id) == ("team", d.team.pk)
    assert d.motif.name not in entry.title
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [d.agent.email]
    assert "Lemoine" not in mail.outbox[0].body.upper() and d.motif.name not in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_follow_up(now=later) == 0
    assert len(mail.outbox) == 1
    waiting.refresh_from_db()
    assert waiting.followed_up_at is None


def test_the_follow_up_command_shows_a_summary(django_capture_on_commit_callbacks):
    d = desk()
    invitation, _token = services.invitation_create(
        citizen=CitizenFactory(), motif=d.motif, valid_days=1, actor=d.agent
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rdv_invitation_followups", "--no-progress", stdout=out)
    assert "relancées : 1" in out.getvalue()
    invitation.refresh_from_db()
    assert invitation.followed_up_at is not None


# --- admin writes -----------------------------------------------------------------------------------------------


def test_admin_writes_validate_and_keep_history():
    d = desk()
    d.lieu.opening_hours = "lundi matin"
    with pytest.raises(ValidationError, match="OpenStreetMap"):
        services.lieu_save(lieu=d.lieu, actor=d.agent)
    d.motif.min_booking_delay_minutes = 60 * 24 * 100
    with pytest.raises(ValidationError, match="plus court"):
        services.motif_save(motif=d.motif, actor=d.agent)
    with pytest.raises(ValidationError, match="au moins un motif"):
        services.plage_save(plage=d.plage, motifs=[], actor=d.agent)
    d.plage.end_time = datetime.time(12)
    services.plage_save(plage=d.plage, motifs=[d.motif], actor=d.agent)
    assert d.plage.history.latest().history_user == d.agent
