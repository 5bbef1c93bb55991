"""Appointments kept 2 years after their date, SMS texts 6 months after sending: two rules on the DPO's
retention screen, applied by privacy's retention runs; and the appointments in the person's own data."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dossier_unique.models import TimelineEntry
from grc.retention_registry import ANONYMISED
from privacy.models import RetentionRule
from privacy.person_data import collect_person_data
from privacy.retention import retention_apply, retention_rules_ensure
from rendezvous.models import MessageLog, Participant, Rendezvous
from rendezvous.timeline import rdv_timeline_record
from tests.factories import CitizenFactory, UserFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, ParticipantFactory, RendezvousFactory

pytestmark = pytest.mark.django_db


def held(*, days_ago: int, citizens, capacity=1, outcome=""):
    """An appointment ``days_ago`` days ago with these participants, their timeline entries and a message each."""
    starts = timezone.now().replace(microsecond=0) - datetime.timedelta(days=days_ago)
    motif = MotifFactory(name="Atelier numérique", capacity=capacity)
    rendezvous = RendezvousFactory(
        motif=motif,
        lieu=LieuFactory(name="CDAS de Redon"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    for citizen in citizens:
        participant = ParticipantFactory(
            rendezvous=rendezvous, citizen=citizen, phone="+33612345678", status="vu", outcome_note=outcome
        )
        MessageLog.objects.create(
            rendezvous=rendezvous, participant=participant, channel="sms", kind="rappel", result="envoye",
            text="Rappel : rendez-vous le 12/01 à 10h00, CDAS de Redon.", segments=1,
        )  # fmt: skip
    rdv_timeline_record(rendezvous=rendezvous, actor=None, event="created")
    return rendezvous


@pytest.fixture
def rules(dpo):
    retention_rules_ensure(actor=dpo)
    return {rule.purpose: rule for rule in RetentionRule.objects.filter(purpose__startswith="appointment")}


def test_the_two_rules_are_on_the_dpo_s_retention_screen(rules, dpo_client):
    assert (rules["appointment"].duration_months, rules["appointment_sms"].duration_months) == (24, 6)
    page = dpo_client.get(reverse("backoffice:privacy_retention")).content.decode()
    assert "Rendez-vous : 2 ans après leur date" in page
    assert "Texte des SMS de rendez-vous : 6 mois après l&#x27;envoi" in page


def test_participations_go_two_years_after_the_date_and_the_appointment_stays_empty(rules, dpo):
    old_people = [CitizenFactory(), CitizenFactory()]
    old = held(days_ago=800, citizens=old_people, capacity=5, outcome="Dossier de retraite complété.")
    recent_person = CitizenFactory()
    recent = held(days_ago=300, citizens=[recent_person])
    assert TimelineEntry.objects.filter(source_type="rendezvous.rendezvous").count() == 3

    dry = retention_apply(rule=rules["appointment"], actor=dpo, dry_run=True)
    assert dry.counts["candidates"] == 2
    assert {item["label"] for item in dry.items} == {f"Rendez-vous n° {old.pk}"}
    assert Participant.objects.count() == 3  # a dry run changes nothing

    run = retention_apply(rule=rules["appointment"], actor=dpo)
    assert run.status == "done" and run.counts["participations_deleted"] == 2
    assert not Participant.objects.filter(rendezvous=old).exists()
    assert not Participant.history.model.objects.filter(rendezvous_id=old.pk).exists()
    assert not MessageLog.objects.filter(rendezvous=old).exists()
    assert Rendezvous.objects.filter(pk=old.pk).exists()  # the activity figure stays, with no one in it
    remaining = TimelineEntry.objects.filter(source_type="rendezvous.rendezvous")
    assert list(remaining.values_list("source_id", "citizen_id")) == [(str(recent.pk), recent_person.pk)]
    assert Participant.objects.get().citizen_id == recent_person.pk


def test_sms_texts_are_anonymised_after_six_months_and_the_log_line_stays(rules, dpo):
    old = held(days_ago=10, citizens=[CitizenFactory()])
    recent = held(days_ago=2, citizens=[CitizenFactory()])
    MessageLog.objects.filter(rendezvous=old).update(sent_at=timezone.now() - datetime.timedelta(days=200))
    email = MessageLog.objects.create(
        rendezvous=old, channel="email", kind="confirmation", result="envoye", text="courriel"
    )
    MessageLog.objects.filter(pk=email.pk).update(sent_at=timezone.now() - datetime.timedelta(days=200))

    run = retention_apply(rule=rules["appointment_sms"], actor=dpo)
    assert run.counts["sms_texts_anonymised"] == 1
    line = MessageLog.objects.get(rendezvous=old, channel="sms")
    assert (line.text, line.result, line.segments, line.kind) == (ANONYMISED, "envoye", 1, "rappel")
    assert line.text_anonymised_at is not None
    assert MessageLog.objects.get(rendezvous=recent).text.startswith("Rappel : ")
    assert MessageLog.objects.get(pk=email.pk).text == "courriel"
    # Run again: nothing left to do.
    assert retention_apply(rule=rules["appointment_sms"], actor=dpo).counts["candidates"] == 0


def test_my_data_lists_my_appointments_and_withholds_what_was_done():
    account = UserFactory(citizen_account=True)
    me = CitizenFactory(user=account)
    someone_else = CitizenFactory(birth_name="Quéré")
    held(days_ago=30, citizens=[me, someone_else], capacity=4, outcome="Aide à la déclaration en ligne.")

    mine, _files = collect_person_data(citizen=me, audience="citizen")
    [row] = mine["rendez_vous"]
    assert (row["motif"], row["lieu"], row["votre_statut"], row["seance_collective"]) == (
        "Atelier numérique",
        "CDAS de Redon",
        "Vu",
        True,
    )
    assert row["messages"][0]["texte"].startswith("Rappel : ")
    assert "ce_qui_a_ete_fait" not in row
    assert mine["ce_qui_n_est_pas_communique"]["nombres"]["comptes_rendus_de_rendez_vous"] == 1
    assert "Quéré" not in str(mine)

    archive, _files = collect_person_data(citizen=me, audience="dpo_archive")
    assert archive["rendez_vous"][0]["ce_qui_a_ete_fait"] == "Aide à la déclaration en ligne."
