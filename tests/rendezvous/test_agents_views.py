"""The back office's appointment pages as agents use them: agendas, an appointment's outcomes, booking for a
person found in the reference, invitations, absences. Someone without the right gets a 404."""

import datetime
import html
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.models import ContactPoint, Membership, Team
from rendezvous import services
from rendezvous.models import Absence, Invitation, Lieu, Motif, Participant, Rendezvous
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory, verify_otp
from tests.rendezvous.agents_setup import appointment, at, desk, open_day

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _week(day: int) -> str:
    return f"?du={(timezone.localdate() + datetime.timedelta(days=day)):%Y-%m-%d}&vue=semaine"


def test_the_agent_sees_their_week_with_names_and_open_hours(client, django_assert_max_num_queries):
    d = desk()
    day = open_day(1)
    people = [CitizenFactory(birth_name=f"Martin{i}", first_names="Léa") for i in range(5)]
    for i, person in enumerate(people):
        appointment(d, at(day, 9 + i), person)
    verify_otp(client, d.agent)
    url = reverse("backoffice:rdv_agenda_agent", args=[d.agent.pk]) + _week(day)
    client.get(url)  # warm the per-process caches (holidays, content types)
    with django_assert_max_num_queries(16):
        page = client.get(url)
    text = _text(page)
    assert page.status_code == 200
    for i in range(5):
        assert f"MARTIN{i} Léa" in text
    assert "Ouvert" in text and '<th scope="row">9 h</th>' in text
    assert AccessLog.objects.filter(actor=d.agent, action="rendezvous.agenda").count() == 2


def test_a_colleague_of_another_team_sees_a_masked_appointment_as_busy_only(client):
    d = desk(kind=Team.Kind.ASE, name="ASE — CDAS Vitré", visibility=Motif.Visibility.MASQUE)
    day = open_day(1)
    appointment(d, at(day, 10), CitizenFactory(birth_name="Secret", first_names="Jeanne"))
    other = TeamFactory(name="RSA — CDAS Vitré", kind=Team.Kind.RSA)
    MembershipFactory(team=other, user=d.agent, role=Membership.Role.SOCIAL_WORKER)
    outsider = MembershipFactory(team=other, role=Membership.Role.SOCIAL_WORKER).user
    verify_otp(client, outsider)
    for url in (
        reverse("backoffice:rdv_agenda_agent", args=[d.agent.pk]) + _week(day),
        reverse("backoffice:rdv_agenda_lieu", args=[d.lieu.pk]) + _week(day),
    ):
        text = _text(client.get(url))
        assert "Occupé" in text
        assert "SECRET" not in text and d.motif.name not in text
    rendezvous = Rendezvous.objects.get()
    assert client.get(reverse("backoffice:rdv_detail", args=[rendezvous.pk])).status_code == 404


def test_day_view_of_a_lieu_lists_every_agent_and_garbage_parameters_give_this_week(client):
    d = desk()
    day = open_day(2)
    second = desk(name="RSA — CDAS Fougères")
    second.plage.lieu = d.lieu
    second.plage.save()
    appointment(d, at(day, 9), CitizenFactory(birth_name="Alpha"))
    appointment(second, at(day, 9), CitizenFactory(birth_name="Beta"), lieu=d.lieu)
    verify_otp(client, d.agent)
    url = reverse("backoffice:rdv_agenda_lieu", args=[d.lieu.pk])
    date = (timezone.localdate() + datetime.timedelta(days=day)).isoformat()
    text = _text(client.get(url + f"?du={date}&vue=jour"))
    assert "ALPHA" in text and "Occupé" in text and "BETA" not in text  # the other team's is busy time only
    assert second.agent.last_name in text
    for garbage in ("?du=2026-13-45&vue=mois", "?du=9999-01-01", "?du=<script>&vue=jour", "?du=0001-01-01"):
        assert client.get(url + garbage).status_code == 200


def test_people_without_agenda_rights_get_404(client):
    d = desk()
    rendezvous = appointment(d, at(1, 10))
    mailroom = MembershipFactory(team=TeamFactory(kind=Team.Kind.MAIL), role=Membership.Role.MAILROOM_AGENT).user
    stranger = MembershipFactory().user  # another team: may not open d.agent's agenda
    urls = [
        reverse("backoffice:rdv_home"),
        reverse("backoffice:rdv_agenda_agent", args=[d.agent.pk]),
        reverse("backoffice:rdv_detail", args=[rendezvous.pk]),
        reverse("backoffice:rdv_absences_agent", args=[d.agent.pk]),
        reverse("backoffice:rdv_invitations"),
    ]
    verify_otp(client, mailroom)
    assert [client.get(u).status_code for u in urls] == [404] * 5
    verify_otp(client, stranger)
    assert [client.get(u).status_code for u in urls[1:4]] == [404] * 3
    citizen_account = UserFactory(citizen_account=True)
    client.force_login(citizen_account)
    assert client.get(urls[0]).status_code in (302, 403, 404)


def test_recording_seen_without_what_was_done_shows_the_french_error_and_keeps_the_input(client):
    d = desk()
    rendezvous = appointment(d, at(-1, 10))
    participant = rendezvous.participants.get()
    verify_otp(client, d.agent)
    url = reverse("backoffice:rdv_outcome", args=[rendezvous.pk, participant.pk])
    prefix = f"o{participant.pk}"
    page = client.post(url, {f"{prefix}-status": "vu", f"{prefix}-outcome_note": ""})
    assert page.status_code == 200
    assert "Indiquez ce qui a été fait pendant le rendez-vous." in _text(page)
    participant.refresh_from_db()
    assert participant.status == "a_venir"
    page = client.post(url, {f"{prefix}-status": "vu", f"{prefix}-outcome_note": "Point sur le CER"})
    assert page.status_code == 302
    participant.refresh_from_db()
    assert (participant.status, participant.outcome_note) == ("vu", "Point sur le CER")
    assert AccessLog.objects.filter(action="rendezvous.view", citizen=participant.citizen_id).exists()


def test_group_session_attendance_from_the_page(client):
    d = desk(capacity=6)
    people = CitizenFactory.create_batch(2)
    rendezvous = appointment(d, at(-1, 14), *people)
    verify_otp(client, d.agent)
    page = client.get(reverse("backoffice:rdv_detail", args=[rendezvous.pk]))
    assert "Présences de la séance" in _text(page)
    ids = list(rendezvous.participants.order_by("pk").values_list("pk", flat=True))
    response = client.post(
        reverse("backoffice:rdv_attendance", args=[rendezvous.pk]),
        {f"p_{ids[0]}": "vu", f"p_{ids[1]}": "absent", "outcome_note": "Atelier CV"},
    )
    assert response.status_code == 302
    assert list(rendezvous.participants.order_by("pk").values_list("status", flat=True)) == ["vu", "absent"]


def test_cancelling_needs_a_reason(client):
    d = desk()
    rendezvous = appointment(d, at(2, 10))
    verify_otp(client, d.agent)
    url = reverse("backoffice:rdv_cancel", args=[rendezvous.pk])
    assert "Indiquez pourquoi" in _text(client.post(url, {"reason": ""}))
    assert client.post(url, {"reason": "Agent en formation"}).status_code == 302
    rendezvous.refresh_from_db()
    assert (rendezvous.status, rendezvous.cancel_reason) == ("annule", "Agent en formation")


def _first_slot_link(text: str) -> str:
    match = re.search(r'href="(/backoffice/rendez-vous/prendre/\d+/confirmer/\?[^"]+)"', text)
    assert match, "no free slot offered"
    return match.group(1).replace("&amp;", "&")


def test_booking_for_a_person_found_in_the_reference_from_search_to_confirmation(client):
    d = desk()
    person = CitizenFactory(birth_name="Le Goff", first_names="Annaïg")
    ContactPoint.objects.create(citizen=person, kind="email", value="annaig@example.org", is_primary=True)
    verify_otp(client, d.agent)
    found = _text(client.get(reverse("backoffice:rdv_book_start"), {"q": "Le Gof Annaig"}))
    assert reverse("backoffice:rdv_book_slots", args=[person.pk]) in found
    # Nobody found: no booking creates a person; the reference's creation page (duplicates shown first) is offered.
    nobody = _text(client.get(reverse("backoffice:rdv_book_start"), {"q": "Zzyzx Quentin"}))
    assert (
        "Aucune personne trouvée." in nobody and reverse("backoffice:citizen_create") + "?q=Zzyzx%20Quentin" in nobody
    )
    slots_url = reverse("backoffice:rdv_book_slots", args=[person.pk])
    week = (timezone.localdate() + datetime.timedelta(days=open_day(1))).strftime("%d/%m/%Y")
    slots = _text(client.get(slots_url, {"motif": d.motif.pk, "lieu": d.lieu.pk, "week": week}))
    confirm = client.get(_first_slot_link(slots))
    assert 'value="annaig@example.org"' in _text(confirm)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', _text(confirm)))
    response = client.post(
        reverse("backoffice:rdv_book_confirm", args=[person.pk]),
        {**fields, "email": "annaig@example.org", "notify_email": "on", "phone": "06 12 34 56 78"},
    )
    assert response.status_code == 302
    participant = Participant.objects.get(citizen=person)
    assert participant.phone == "+33612345678" and participant.rendezvous.channel == "agent"
    assert participant.rendezvous.agent == d.agent

    # The same slot again: taken, said in French, nothing new written.
    again = client.post(reverse("backoffice:rdv_book_confirm", args=[person.pk]), {**fields, "email": ""})
    assert again.status_code == 200
    assert "Ce créneau vient d'être pris" in _text(again)
    assert Participant.objects.filter(citizen=person).count() == 1


def test_a_bad_mobile_number_is_refused_next_to_its_field(client):
    d = desk()
    person = CitizenFactory()
    verify_otp(client, d.agent)
    starts = at(open_day(1), 9)
    data = {"motif": d.motif.pk, "starts_at": starts.isoformat(), "agent": d.agent.pk, "lieu": d.lieu.pk}
    page = client.post(
        reverse("backoffice:rdv_book_confirm", args=[person.pk]), {**data, "phone": "0299", "notify_sms": "on"}
    )
    assert "Ce numéro de téléphone n'est pas valide." in _text(page)
    assert not Rendezvous.objects.exists()


def test_an_agent_cannot_book_a_motif_of_another_team(client):
    d = desk()
    outsider = MembershipFactory().user
    verify_otp(client, outsider)
    data = {"motif": d.motif.pk, "starts_at": at(open_day(1), 9).isoformat(), "agent": d.agent.pk, "lieu": d.lieu.pk}
    person = CitizenFactory()
    assert client.get(reverse("backoffice:rdv_book_confirm", args=[person.pk]), data).status_code == 404
    assert client.post(reverse("backoffice:rdv_book_confirm", args=[person.pk]), data).status_code == 404
    assert not Rendezvous.objects.exists()


def test_invitation_link_is_shown_once_then_listed_and_can_be_withdrawn(client):
    d = desk()
    person = CitizenFactory(birth_name="Invitee")
    verify_otp(client, d.agent)
    page = client.post(
        reverse("backoffice:rdv_invite", args=[person.pk]), {"motif": d.motif.pk, "lieu": "", "valid_days": "10"}
    )
    text = _text(page)
    link = re.search(r'id="invitation-link">([^<]+)<', text).group(1)
    invitation = Invitation.objects.get(citizen=person)
    assert link.rsplit("/", 2)[-2] not in invitation.token_hash
    listing = _text(client.get(reverse("backoffice:rdv_invitations")))
    assert "INVITEE" in listing and "En attente" in listing and link not in listing
    client.post(reverse("backoffice:rdv_invitation_revoke", args=[invitation.pk]))
    assert "Retirée" in _text(client.get(reverse("backoffice:rdv_invitations")))
    refused = client.post(reverse("backoffice:rdv_invite", args=[person.pk]), {"motif": d.motif.pk, "valid_days": "0"})
    assert "Au moins 1 jour." in _text(refused)


def test_absences_page_adds_one_with_french_dates_and_refuses_a_bad_one(client):
    d = desk()
    verify_otp(client, d.agent)
    url = reverse("backoffice:rdv_absences")
    bad = client.post(url, {"start_date": "31/02/2027", "end_date": "01/03/2027"})
    assert "Saisissez une date valide" in _text(bad)
    backwards = client.post(url, {"start_date": "10/03/2027", "end_date": "09/03/2027"})
    assert "après son début" in _text(backwards)
    assert not Absence.objects.exists()
    ok = client.post(
        url, {"start_date": "10/03/2027", "start_time": "14:00", "end_date": "10/03/2027", "end_time": "17h"}
    )
    assert ok.status_code == 302
    absence = Absence.objects.get()
    assert timezone.localtime(absence.starts_at).hour == 14 and timezone.localtime(absence.ends_at).hour == 17
    client.post(reverse("backoffice:rdv_absence_delete", args=[absence.pk]))
    assert not Absence.objects.exists()


def test_a_team_manager_manages_a_team_members_absences_but_a_colleague_does_not(client):
    d = desk()
    manager = MembershipFactory(team=d.team, role=Membership.Role.TEAM_MANAGER).user
    url = reverse("backoffice:rdv_absences_agent", args=[d.agent.pk])
    verify_otp(client, d.colleague)
    assert client.get(url).status_code == 404
    verify_otp(client, manager)
    assert client.get(url).status_code == 200


# --- the functional admin's screens (Wagtail snippets) --------------------------------------------------------


def test_functional_admin_edits_lieux_and_plages_and_bad_opening_hours_are_refused(admin_client):
    d = desk()
    assert admin_client.get(reverse("wagtailsnippets_rendezvous_lieu:list")).status_code == 200
    lieu = {"name": "Permanence de Janzé", "kind": "permanence", "opening_hours": "le mardi matin", "is_active": "on"}
    refused = admin_client.post(reverse("wagtailsnippets_rendezvous_lieu:add"), lieu)
    assert refused.status_code == 200 and "format OpenStreetMap" in _text(refused)
    assert not Lieu.objects.filter(name="Permanence de Janzé").exists()
    lieu["opening_hours"] = "Tu 09:00-12:00; PH off"
    assert admin_client.post(reverse("wagtailsnippets_rendezvous_lieu:add"), lieu).status_code == 302
    created = Lieu.objects.get(name="Permanence de Janzé")
    assert created.history.count() == 1
    plage = {
        "title": "Permanence du mardi",
        "agent": d.agent.pk,
        "lieu": created.pk,
        "motifs": [d.motif.pk],
        "weekdays": "1",
        "start_time": "12:00",
        "end_time": "09:00",
        "first_day": "2027-01-05",
        "every_weeks": "1",
        "is_active": "on",
    }
    backwards = admin_client.post(reverse("wagtailsnippets_rendezvous_plageouverture:add"), plage)
    assert backwards.status_code == 200
    plage.update(start_time="09:00", end_time="12:00")
    assert admin_client.post(reverse("wagtailsnippets_rendezvous_plageouverture:add"), plage).status_code == 302
    assert list(created.plages.values_list("weekdays", flat=True)) == [[1]]


def test_a_group_session_page_and_the_invitations_page_keep_their_query_count(client, django_assert_max_num_queries):
    d = desk(capacity=30)
    few = appointment(d, at(-1, 9), *CitizenFactory.create_batch(2))
    many = appointment(d, at(-1, 14), *CitizenFactory.create_batch(20))
    verify_otp(client, d.agent)
    client.get(reverse("backoffice:rdv_detail", args=[few.pk]))
    with django_assert_max_num_queries(40) as small:
        client.get(reverse("backoffice:rdv_detail", args=[few.pk]))
    # One access-log row per person read (an INSERT each), nothing else grows with the number of people.
    with django_assert_max_num_queries(len(small.captured_queries) + 18):
        page = client.get(reverse("backoffice:rdv_detail", args=[many.pk]))
    assert page.status_code == 200
    assert AccessLog.objects.filter(action="rendezvous.view", object_id=str(many.pk)).count() == 20
    for person in CitizenFactory.create_batch(15):
        services.invitation_create(citizen=person, motif=d.motif, actor=d.agent)
    with django_assert_max_num_queries(14):
        listing = client.get(reverse("backoffice:rdv_invitations"))
    assert _text(listing).count("En attente jusqu'au") == 15


def test_garbage_in_the_booking_steps_is_a_404_or_a_french_message_never_a_500(client):
    d = desk()
    person = CitizenFactory()
    verify_otp(client, d.agent)
    confirm = reverse("backoffice:rdv_book_confirm", args=[person.pk])
    good = {"motif": d.motif.pk, "starts_at": at(open_day(1), 9).isoformat(), "agent": d.agent.pk, "lieu": d.lieu.pk}
    for bad in ({"agent": "abc"}, {"agent": "9" * 30}, {"motif": "x"}, {"starts_at": "hier"}, {"lieu": "<b>"}):
        assert client.get(confirm, {**good, **bad}).status_code in (200, 404)
        assert client.post(confirm, {**good, **bad}).status_code in (200, 404)
    assert not Rendezvous.objects.exists()
    slots = reverse("backoffice:rdv_book_slots", args=[person.pk])
    page = client.get(slots, {"motif": d.motif.pk, "week": "32/13/2026"})
    assert page.status_code == 200 and "Saisissez une date valide" in _text(page)
    past = client.post(confirm, {**good, "starts_at": at(-2, 9).isoformat()})
    assert "Ce créneau est déjà passé" in _text(past)


def test_marking_seen_at_the_accueil_numerique_asks_the_digital_help_and_keeps_it(client):
    d = desk(kind=Team.Kind.MEDIATION, name="Accueil numérique — CDAS Vitré")
    participant = appointment(d, at(-1, 10)).participants.get()
    other = desk(name="RSA — CDAS Redon")
    other_rdv = appointment(other, at(-1, 11))
    verify_otp(client, d.agent)
    prefix = f"o{participant.pk}"
    detail = _text(client.get(reverse("backoffice:rdv_detail", args=[participant.rendezvous_id])))
    assert "Aide numérique apportée" in detail and "Faire avec" in detail
    url = reverse("backoffice:rdv_outcome", args=[participant.rendezvous_id, participant.pk])
    page = client.post(url, {f"{prefix}-status": "vu", f"{prefix}-outcome_note": "Compte Ameli créé"})
    assert page.status_code == 200 and "Indiquez le niveau d'aide numérique apportée." in _text(page)
    assert "Compte Ameli créé" in _text(page)  # what was typed stays
    participant.refresh_from_db()
    assert participant.status == "a_venir"
    data = {
        f"{prefix}-status": "vu",
        f"{prefix}-outcome_note": "Compte Ameli créé",
        f"{prefix}-digital_help_level": "faire_avec",
    }
    assert client.post(url, data).status_code == 302
    participant.refresh_from_db()
    assert (participant.status, participant.digital_help_level) == ("vu", "faire_avec")
    assert "Aide numérique : Faire avec" in _text(
        client.get(reverse("backoffice:rdv_detail", args=[participant.rendezvous_id]))
    )
    # Any other motif does not ask it.
    verify_otp(client, other.agent)
    assert "Aide numérique apportée" not in _text(client.get(reverse("backoffice:rdv_detail", args=[other_rdv.pk])))


def test_an_invitation_nobody_used_is_listed_first_as_a_follow_up_by_the_scheduled_job(client, settings):
    d = desk()
    late, _token = services.invitation_create(
        citizen=CitizenFactory(birth_name="Relancee"), motif=d.motif, valid_days=1, actor=d.agent
    )
    services.invitation_create(
        citizen=CitizenFactory(birth_name="Attente"), motif=d.motif, valid_days=10, actor=d.agent
    )
    Invitation.objects.filter(pk=late.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    job = settings.SCHEDULED_JOBS["appointment_invitation_followups"]
    assert job["command"] == "rdv_invitation_followups"
    call_command(job["command"], "--no-progress", stdout=io.StringIO())
    verify_otp(client, d.agent)
    listing = _text(client.get(reverse("backoffice:rdv_invitations")))
    assert "Sans rendez-vous : à relancer" in listing
    assert listing.index("RELANCEE") < listing.index("ATTENTE")


def test_an_expired_invitation_is_no_longer_to_follow_up_once_the_person_is_invited_again_or_booked(client, settings):
    d = desk()
    reinvited, booked, forgotten = (
        services.invitation_create(citizen=CitizenFactory(), motif=d.motif, valid_days=1, actor=d.agent)[0]
        for _ in range(3)
    )
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    command = settings.SCHEDULED_JOBS["appointment_invitation_followups"]["command"]
    call_command(command, "--no-progress", stdout=io.StringIO())
    services.invitation_create(citizen=reinvited.citizen, motif=d.motif, valid_days=10, actor=d.agent)
    appointment(d, at(open_day(2), 9), booked.citizen)
    verify_otp(client, d.agent)
    page = _text(client.get(reverse("backoffice:rdv_invitations")))

    def row(invitation):
        return re.search(rf'<tr id="invitation-{invitation.pk}">(.*?)</tr>', page, re.S).group(1)

    assert "Sans rendez-vous : à relancer" in row(forgotten) and "Prendre le rendez-vous" in row(forgotten)
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Relancée : nouvelle invitation le {today}" in row(reinvited)
    assert f"Rendez-vous pris depuis, le {at(open_day(2), 9):%d/%m/%Y} 09:00" in row(booked)
    for done in (reinvited, booked):
        assert "à relancer" not in row(done) and "Prendre le rendez-vous" not in row(done)
    # Still first: the one somebody has to call back.
    assert page.index(f'id="invitation-{forgotten.pk}"') < page.index(f'id="invitation-{booked.pk}"')
