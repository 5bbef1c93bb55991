"""Qualification, routing, assignment, forwarding, handling and acknowledgement of letters (services)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from demandes.models import Request
from dossier_unique.models import TimelineEntry
from mail.models import MailEvent, MailItem, MailType
from mail.services import mail_acknowledge, mail_assign, mail_forward, mail_handle, mail_qualify, mail_route
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory, TeamFactory
from tests.mail.test_suggest import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def rsa_type(team_a):
    return MailType.objects.create(name="RSA", code="rsa", service_level_days=5, default_team=team_a)


@pytest.fixture
def item(mailroom_agent):
    return make_item("Demande de RSA", uploaded_by=mailroom_agent)


def kinds(item):
    return list(MailEvent.objects.filter(item=item).values_list("kind", flat=True))


def test_qualify_then_route_puts_it_in_the_queue_and_on_the_timeline(item, mailroom_agent, followed, team_a, rsa_type):
    file, _ = followed
    mail_qualify(item=item, actor=mailroom_agent, citizen=file.citizen, mail_type=rsa_type, team=team_a)
    assert item.status == MailItem.Status.QUALIFIED
    assert item.qualified_by == mailroom_agent
    assert item.due_date is not None and item.due_date > timezone.localdate()

    mail_route(item=item, actor=mailroom_agent)

    item.refresh_from_db()
    assert item.status == MailItem.Status.ROUTED and item.routed_at
    entry = TimelineEntry.objects.get(citizen=file.citizen, kind=TimelineEntry.Kind.MAIL_ROUTED)
    assert entry.file == file
    assert entry.title == f"Courrier {item.registration_number} (RSA) aiguillé vers {team_a.name}"
    assert entry.source_id == str(item.pk)
    assert kinds(item) == ["qualified", "routed"]
    history = item.history.order_by("history_date")
    # The first row is the creation by make_item.
    assert [h.history_change_reason for h in history][1:] == ["Qualification du courrier", "Aiguillage vers l'équipe"]
    assert history.last().history_user == mailroom_agent


def test_route_without_social_file_writes_an_entry_on_no_file(item, mailroom_agent, citizen, team_a, rsa_type):
    # One timeline rule for every app (dossier_unique.timeline.timeline_record): the letter is on the
    # citizen's timeline even before they have a social file, as a request filed for them is.
    mail_qualify(item=item, actor=mailroom_agent, citizen=citizen, mail_type=rsa_type, team=team_a)
    mail_route(item=item, actor=mailroom_agent)
    entry = TimelineEntry.objects.get(citizen=citizen)
    assert entry.kind == TimelineEntry.Kind.MAIL_ROUTED and entry.file is None


def test_not_about_a_citizen(item, mailroom_agent, team_a, rsa_type):
    mail_qualify(item=item, actor=mailroom_agent, no_citizen=True, mail_type=rsa_type, team=team_a)
    mail_route(item=item, actor=mailroom_agent)
    item.refresh_from_db()
    assert item.no_citizen and item.citizen is None and item.status == "routed"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"citizen": None}, "citizen", "Choisissez l'usager concerné"),
        ({"no_citizen": True}, "citizen", "à la fois concerner un usager"),
        ({"mail_type": None}, "mail_type", "Choisissez un type de courrier actif."),
        ({"team": None}, "team", "Choisissez une équipe active."),
    ],
)
def test_qualify_bad_input_is_refused_with_a_french_message(
    item, mailroom_agent, citizen, team_a, rsa_type, kwargs, field, message
):
    values = {"citizen": citizen, "mail_type": rsa_type, "team": team_a} | kwargs
    with pytest.raises(ValidationError) as error:
        mail_qualify(item=item, actor=mailroom_agent, **values)
    assert message in " ".join(error.value.message_dict[field])
    item.refresh_from_db()
    assert item.status == MailItem.Status.RECOGNISED
    assert kinds(item) == []


def test_linked_request_must_be_the_same_citizens(item, mailroom_agent, citizen, team_a, rsa_type):
    other = CitizenFactory()
    request = Request.objects.create(
        tracking_code="D-2026-ABCDEF",
        procedure_title="RSA",
        citizen=other,
        channel=Request.Channel.WEB,
        status=Request.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    with pytest.raises(ValidationError) as error:
        mail_qualify(
            item=item, actor=mailroom_agent, citizen=citizen, mail_type=rsa_type, team=team_a, request=request
        )
    assert error.value.message_dict["request"] == ["Cette demande ne concerne pas l'usager choisi."]
    mail_qualify(item=item, actor=mailroom_agent, citizen=other, mail_type=rsa_type, team=team_a, request=request)
    assert item.request == request


def test_open_request_from_a_letter(item, mailroom_agent, citizen, team_a, rsa_type):
    due = datetime.date(2027, 1, 15)
    mail_qualify(
        item=item,
        actor=mailroom_agent,
        citizen=citizen,
        mail_type=rsa_type,
        team=team_a,
        open_request=True,
        due_date=due,
    )
    request = item.request
    assert request.channel == Request.Channel.MAIL
    assert request.citizen == citizen and request.team == team_a
    assert request.procedure_title == "RSA"
    assert request.status == Request.Status.SUBMITTED
    assert request.tracking_code in MailEvent.objects.get(item=item, kind="qualified").comment


def test_routed_letter_cannot_be_requalified(item, mailroom_agent, citizen, team_a, rsa_type):
    mail_qualify(item=item, actor=mailroom_agent, citizen=citizen, mail_type=rsa_type, team=team_a)
    mail_route(item=item, actor=mailroom_agent)
    with pytest.raises(ValidationError, match="ne peut plus être qualifié"):
        mail_qualify(item=item, actor=mailroom_agent, citizen=citizen, mail_type=rsa_type, team=team_a)
    with pytest.raises(ValidationError, match="Seul un courrier qualifié"):
        mail_route(item=item, actor=mailroom_agent)


@pytest.fixture
def routed(item, mailroom_agent, citizen, team_a, rsa_type):
    mail_qualify(item=item, actor=mailroom_agent, citizen=citizen, mail_type=rsa_type, team=team_a)
    return mail_route(item=item, actor=mailroom_agent)


def test_assign_forward_and_handle(routed, worker_a, worker_b, team_b):
    with pytest.raises(ValidationError, match="ne fait pas partie de l'équipe"):
        mail_assign(item=routed, user=worker_b)
    mail_assign(item=routed, user=worker_a)
    assert routed.assigned_to == worker_a

    with pytest.raises(ValidationError) as error:
        mail_forward(item=routed, team=team_b, reason="  ", actor=worker_a)
    assert error.value.message_dict["reason"] == ["Indiquez le motif du transfert."]
    mail_forward(item=routed, team=team_b, reason="Relève du CDAS de Redon (domicile)", actor=worker_a)
    assert routed.team == team_b and routed.assigned_to is None
    forwarded = MailEvent.objects.get(item=routed, kind="forwarded")
    assert (forwarded.team, forwarded.comment, forwarded.actor) == (
        team_b,
        "Relève du CDAS de Redon (domicile)",
        worker_a,
    )

    mail_handle(item=routed, actor=worker_b)
    routed.refresh_from_db()
    assert routed.status == MailItem.Status.HANDLED and routed.handled_by == worker_b
    assert kinds(routed) == ["qualified", "routed", "assigned", "forwarded", "handled"]
    with pytest.raises(ValidationError):
        mail_handle(item=routed, actor=worker_b)


def test_forward_to_the_same_team_is_refused(routed, worker_a, team_a):
    with pytest.raises(ValidationError) as error:
        mail_forward(item=routed, team=team_a, reason="erreur", actor=worker_a)
    assert error.value.message_dict["team"] == ["Le courrier est déjà dans la bannette de cette équipe."]


def test_acknowledgement_pdf_for_types_that_have_one(routed, worker_a, rsa_type):
    AddressFactory(citizen=routed.citizen, line1="3 rue de Nantes", postcode="35000", city="Rennes")
    with pytest.raises(ValidationError):
        mail_acknowledge(item=routed, actor=worker_a)
    rsa_type.acknowledgement_enabled = True
    rsa_type.acknowledgement_text = "Votre demande de RSA sera étudiée sous cinq jours ouvrés."
    rsa_type.save()
    routed.refresh_from_db()
    data = mail_acknowledge(item=routed, actor=worker_a)
    assert data.startswith(b"%PDF")
    assert MailEvent.objects.filter(item=routed, kind="acknowledged", actor=worker_a).count() == 1


def test_assign_needs_a_current_membership(routed, team_a):
    former = MembershipFactory(team=team_a, end_date=datetime.date(2024, 6, 30)).user
    with pytest.raises(ValidationError):
        mail_assign(item=routed, user=former)
    assert TeamFactory()  # another team exists; nothing else changed
    routed.refresh_from_db()
    assert routed.assigned_to is None


def test_demo_seed_is_idempotent():
    from demo import accounts, citizens, organisation
    from demo.records import Counts
    from demo.seeders import mail as demo
    from mail.models import RoutingRule

    actor = accounts.system_account()
    counts = Counts()
    organisation.seed_organisation(actor=actor, counts=counts)
    citizens.seed_planted_duplicates(actor=actor, counts=counts, seed=2026)
    demo.seed(actor=actor, counts=counts)
    # The ten types the classifier learns and "courrier divers"; a first model trained on the corpus.
    assert counts.created["types de courrier"] == 11
    assert counts.created["modèle d'aiguillage"] == 1
    assert counts.created["courriers"] >= 5
    waiting = MailItem.objects.filter(status=MailItem.Status.RECOGNISED)
    assert waiting.count() == counts.created["courriers"]
    mdph = waiting.get(sender__startswith="MDPH")
    assert mdph.suggestions["team"][0]["label"].startswith("APA / PCH")
    assert all(item.original.storage.exists(item.original.name) for item in waiting)

    again = Counts()
    demo.seed(actor=actor, counts=again)
    assert not again.created
    assert MailItem.objects.count() == counts.created["courriers"]
    assert RoutingRule.objects.count() == 9
