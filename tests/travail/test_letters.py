"""Outgoing letters: written from a template or free text about a file or a request the agent may see,
numbered in the register, on the citizen's timeline, optionally in their Mon espace; the PDF prints what
was typed as text; the register names recipients only to who may see them; every read is access-logged."""

from __future__ import annotations

import datetime
import io
from collections import Counter

import pypdfium2
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dossier_unique.models import TimelineEntry
from grc import retention_registry
from grc.audit.models import AccessLog
from grc.models import Membership
from grc.person_data_registry import CITIZEN
from grc.retention_registry import Forget
from grc.services.merge import citizen_merge, merge_undo
from portal.espace.selectors import my_attachments
from privacy.person_data import collect_person_data
from tests.bad_input import no_500
from tests.dossier_unique.factories import open_file
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory, TeamFactory, verify_otp
from tests.rendezvous.factories import ParticipantFactory, RendezvousFactory
from tests.requests.factories import citizen_account, filed_request, instructor
from travail import letters_selectors as selectors
from travail import letters_services as services
from travail import templates_services
from travail.letters_pdf import letter_pdf
from travail.models import OutgoingLetter
from travail.templates_selectors import next_appointment_at

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(io.BytesIO(data))
    return "\n".join(page.get_textpage().get_text_range() for page in pdf)


@pytest.fixture
def person(team_a, worker_a):
    citizen = CitizenFactory(first_names="Maëlle", birth_name="Kerhervé", usage_name="")
    AddressFactory(citizen=citizen, line1="3 rue des Lices", postcode="35000", city="Rennes")
    file, _ = open_file(citizen=citizen, team=team_a, actor=worker_a)
    return citizen, file


def test_a_letter_from_a_template_is_numbered_recorded_and_printed(team_a, manager_a, worker_a, person):
    citizen, file = person
    template = templates_services.message_template_create(
        actor=manager_a, team=team_a, name="Convocation", body="Bonjour {{ nom }},\n\nle {{ date_du_jour }}."
    )
    first = services.outgoing_letter_create(
        actor=worker_a, team=team_a, subject="Convocation", body=template.body, file=file, template=template
    )
    second = services.outgoing_letter_create(
        actor=worker_a, team=team_a, subject="<b>Objet</b> & suite", body="<script>alert(1)</script>", file=file
    )
    year = timezone.localdate().year
    assert [(x.year, x.number) for x in (first, second)] == [(year, 1), (year, 2)]
    assert first.reference == f"CS-{year}-00001"
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert first.body == f"Bonjour Maëlle KERHERVÉ,\n\nle {today}."
    assert (first.recipient_name, first.recipient_address) == ("Maëlle KERHERVÉ", "3 rue des Lices\n35000 Rennes")
    assert first.history.first().history_user == worker_a
    entry = TimelineEntry.objects.get(source_type="travail.outgoingletter", source_id=str(first.pk))
    assert (entry.kind, entry.citizen_id, entry.file_id, entry.author) == (
        "outgoing_letter",
        citizen.pk,
        file.pk,
        worker_a,
    )
    assert entry.title == f"Courrier envoyé : {first.reference}"
    text = pdf_text(letter_pdf(first))
    for expected in ("Maëlle KERHERVÉ", "3 rue des Lices", "35000 Rennes", first.reference, "Objet : Convocation",
                     team_a.name, f"Le {today}"):  # fmt: skip
        assert expected in text, expected
    # Markup typed by an agent prints as characters: nothing is interpreted.
    text = pdf_text(letter_pdf(second))
    assert "<script>alert(1)</script>" in text and "<b>Objet</b> & suite" in text


def test_bad_letters_are_refused_in_french_and_use_no_number(team_a, team_b, worker_a, worker_b, person):
    citizen, file = person
    cases = [
        ({"subject": " ", "body": "x"}, "Indiquez l'objet du courrier."),
        ({"subject": "x" * 201, "body": "x"}, "L'objet est trop long"),
        ({"subject": "A", "body": "  "}, "Le courrier est vide."),
        ({"subject": "A", "body": "x" * 10001}, "Le courrier est trop long (10 000 caractères au plus)."),
        ({"subject": "A", "body": "{{ nir }}"}, "Variable inconnue : « {{ nir }} »"),
        ({"subject": "A", "body": "{{ nom"}, "Accolades ou balises mal formées"),
        ({"subject": "A", "body": "Demande {{ code_demande }}"}, "Ces variables n'ont pas de valeur ici"),
        ({"subject": "A", "body": "x", "to_portal": True}, "Cette personne n'a pas de compte sur le portail."),
        ({"subject": "A", "body": "x", "team": team_b}, "Vous ne pouvez pas écrire à cet usager"),
        ({"subject": "A", "body": "x", "actor": worker_b, "team": team_b}, "Vous ne pouvez pas écrire à cet usager"),
    ]
    for kwargs, message in cases:
        kwargs = {"actor": worker_a, "team": team_a, "file": file, **kwargs}
        with pytest.raises(ValidationError) as error:
            services.outgoing_letter_create(**kwargs)
        assert any(message in m for m in error.value.messages), (kwargs["body"][:20], error.value.messages)
    assert not OutgoingLetter.objects.exists()
    letter = services.outgoing_letter_create(actor=worker_a, team=team_a, subject="A", body="x", file=file)
    assert letter.number == 1  # the refusals used no number


def test_a_letter_on_a_request_goes_into_mon_espace(team_a):
    agent = instructor(team_a)
    account, citizen = citizen_account()
    req = filed_request(team=team_a, account=account, citizen=citizen)
    letter = services.outgoing_letter_create(
        actor=agent, team=team_a, subject="Pièces", body="Demande {{ code_demande }} : merci.", request=req,
        to_portal=True,
    )  # fmt: skip
    assert letter.body == f"Demande {req.tracking_code} : merci."
    assert letter.portal_message.request == req and not letter.portal_message.from_citizen
    [attachment] = my_attachments(user=account)
    assert attachment.original_name == f"courrier-{letter.reference}.pdf"
    with attachment.file.open("rb") as stored:
        assert letter.reference in pdf_text(stored.read())
    assert TimelineEntry.objects.filter(kind="outgoing_letter", citizen=citizen).count() == 1


def test_the_register_names_recipients_only_to_who_may_see_them(
    team_a, worker_a, colleague_a, person, django_assert_max_num_queries
):
    citizen, file = person
    for n in range(3):
        services.outgoing_letter_create(actor=worker_a, team=team_a, subject=f"Objet {n}", body="x", file=file)
    # A member of the team whose role opens no social file (the mailroom agent).
    newcomer = MembershipFactory(team=team_a, role=Membership.Role.MAILROOM_AGENT).user
    outsider = MembershipFactory(team=TeamFactory()).user
    with django_assert_max_num_queries(6):
        letters = list(selectors.outgoing_register(user=worker_a, team_id=team_a.pk))
        selectors.mark_visible_recipients(user=worker_a, letters=letters)
    assert [(x.number, x.recipient_visible) for x in letters] == [(3, True), (2, True), (1, True)]
    seen_by_newcomer = selectors.mark_visible_recipients(
        user=newcomer, letters=list(selectors.outgoing_register(user=newcomer, team_id=team_a.pk))
    )
    assert len(seen_by_newcomer) == 3 and not any(x.recipient_visible for x in seen_by_newcomer)
    with pytest.raises(Exception) as error:
        selectors.outgoing_register(user=outsider, team_id=team_a.pk)
    assert error.type.__name__ == "Http404"
    with pytest.raises(Exception) as error:
        selectors.outgoing_letter_get(user=newcomer, pk=letters[0].pk)
    assert error.type.__name__ == "Http404"
    header, rows = selectors.outgoing_register_export(user=newcomer, team_id=team_a.pk, q="2")
    # "2" finds the subject "Objet 2" (letter 3) and letter number 2; the recipient column stays empty.
    assert header[2] == "Destinataire" and [r[2:4] for r in rows] == [["", "Objet 2"], ["", "Objet 1"]]
    logged = AccessLog.objects.filter(actor=newcomer).values_list("action", "purpose")
    assert ("mail.queue", "registre des courriers sortants") in logged
    assert ("export", "export du registre des courriers sortants : 2 lignes") in logged


def test_back_office_letter_pages(
    client, team_a, team_b, manager_a, worker_a, worker_b, person, django_assert_max_num_queries
):
    citizen, file = person
    template = templates_services.message_template_create(
        actor=manager_a, team=team_a, name="Rappel", body="Bonjour {{ nom }}, RDV le {{ date_rendez_vous }}."
    )
    verify_otp(client, worker_a)
    new = reverse("backoffice:letter_create")
    page = client.get(new, {"dossier": file.pk, "modele": template.pk}).content.decode()
    assert "Bonjour Maëlle KERHERVÉ, RDV le {{ date_rendez_vous }}." in page
    # Submitted with the placeholder that has no value: refused, the text kept, no number used.
    data = {"team": team_a.pk, "subject": "Rappel", "body": "Bonjour, RDV le {{ date_rendez_vous }}.",
            "template_id": template.pk}  # fmt: skip
    response = client.post(f"{new}?dossier={file.pk}", data)
    assert response.status_code == 422 and "Bonjour, RDV le {{ date_rendez_vous }}." in response.content.decode()
    data["body"] = "Bonjour <em>{{ nom }}</em>"
    response = client.post(f"{new}?dossier={file.pk}", data)
    letter = OutgoingLetter.objects.get()
    assert response.status_code == 302 and response.url == reverse("backoffice:letter_detail", args=[letter.pk])
    assert letter.template == template
    detail = client.get(response.url).content.decode()
    assert "Bonjour &lt;em&gt;Maëlle KERHERVÉ&lt;/em&gt;" in detail
    pdf = client.get(reverse("backoffice:letter_download", args=[letter.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]
    assert AccessLog.objects.filter(actor=worker_a, action="mail.view", citizen=citizen.pk, purpose="PDF").exists()
    register = client.get(reverse("backoffice:letter_register"), {"equipe": team_a.pk, "annee": "9999"})
    assert register.status_code == 200 and "Aucun courrier" in register.content.decode()
    for n in range(5):  # more rows must not mean more queries
        services.outgoing_letter_create(actor=worker_a, team=team_a, subject=f"Suite {n}", body="x", file=file)
    with django_assert_max_num_queries(14):
        register = client.get(reverse("backoffice:letter_register"), {"equipe": team_a.pk}).content.decode()
    assert letter.reference in register and "Maëlle KERHERVÉ" in register
    csv = client.get(
        reverse("backoffice:letter_register_export"), {"equipe": team_a.pk, "format": "csv", "q": "Rappel"}
    )
    assert csv.content.decode("utf-8-sig").splitlines()[1].startswith(f"{letter.reference};")
    # Garbage never makes a 500.
    garbage = [{"equipe": "1e999"}, {"equipe": "99999999999999999999"}, {"annee": "abc", "q": "x" * 500},
               {"annee": "²", "q": "²"}, {"q": "99999999999999999999"}, {"q": "a\x00b"}]  # fmt: skip
    for params in garbage:
        no_500(client.get(reverse("backoffice:letter_register"), params), params)
    for garbage in ("abc", "²", "9" * 30):
        assert client.get(new, {"dossier": garbage}).status_code == 404
    assert client.get(new, {"dossier": file.pk, "modele": "0"}).status_code == 404
    assert client.get(new, {"dossier": file.pk, "modele": "²"}).status_code == 404
    # Another CDAS's agent: 404 on the file, the letter, its PDF and the register.
    verify_otp(client, worker_b)
    assert client.get(new, {"dossier": file.pk}).status_code == 404
    assert client.post(f"{new}?dossier={file.pk}", data).status_code == 404
    assert client.get(reverse("backoffice:letter_detail", args=[letter.pk])).status_code == 404
    assert client.get(reverse("backoffice:letter_download", args=[letter.pk])).status_code == 404
    assert client.get(reverse("backoffice:letter_register"), {"equipe": team_a.pk}).status_code == 404
    assert OutgoingLetter.objects.count() == 6


def test_the_next_appointment_with_the_team_fills_its_date(team_a, worker_a, worker_b, person):
    citizen, file = person
    soon = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    # An appointment with another CDAS is not revealed; a past one does not count.
    ParticipantFactory(citizen=citizen, rendezvous=RendezvousFactory(agent=worker_b, starts_at=soon))
    ParticipantFactory(
        citizen=citizen, rendezvous=RendezvousFactory(agent=worker_a, starts_at=soon - datetime.timedelta(days=9))
    )
    assert next_appointment_at(user=worker_a, citizen_id=citizen.pk) is None
    ParticipantFactory(citizen=citizen, rendezvous=RendezvousFactory(agent=worker_a, starts_at=soon))
    assert next_appointment_at(user=worker_a, citizen_id=citizen.pk) == soon
    letter = services.outgoing_letter_create(
        actor=worker_a, team=team_a, subject="RDV", body="Le {{ date_rendez_vous }}.", file=file, appointment_at=soon
    )
    assert letter.body == f"Le {timezone.localtime(soon):%d/%m/%Y à %H:%M}."


def test_sent_letters_are_in_the_persons_data_and_follow_a_merge(team_a, manager_a, worker_a, person):
    citizen, file = person
    letter = services.outgoing_letter_create(actor=worker_a, team=team_a, subject="Aide", body="Accordée.", file=file)
    duplicate = CitizenFactory(first_names="Maëlle", birth_name="Kerherve", usage_name="")
    merge = citizen_merge(source=citizen, target=duplicate, actor=manager_a, reason="doublon")
    letter.refresh_from_db()
    assert letter.citizen == duplicate and letter.history.first().history_user == manager_a
    data, _files = collect_person_data(citizen=duplicate, account=None, audience=CITIZEN)
    [sent] = data["courriers_envoyes"]
    assert (sent["reference"], sent["objet"], sent["texte"]) == (letter.reference, "Aide", "Accordée.")
    assert sent["redige_par"].endswith(team_a.name)  # a team and a role, not the agent's name
    merge_undo(merge=merge, actor=manager_a, reason="erreur")
    letter.refresh_from_db()
    assert letter.citizen == citizen


def test_retention_of_a_request_anonymises_its_letters_and_keeps_the_register_row(team_a, dpo):
    agent = instructor(team_a)
    account, citizen = citizen_account()
    req = filed_request(team=team_a, account=account, citizen=citizen)
    letter = services.outgoing_letter_create(
        actor=agent, team=team_a, subject="Refus", body="Votre demande est refusée.", request=req, to_portal=True
    )
    # As privacy's retention run does for a batch: the purpose, then what other apps added to it.
    run = {"actor": dpo, "reason": "durée échue", "counts": Counter(), "forget": Forget()}
    retention_registry.purpose("request").apply([req.pk], **run)
    for extension in retention_registry.extensions("request"):
        extension.apply([req.pk], **run)
    counts = run["counts"]
    letter.refresh_from_db()
    assert (letter.number, letter.team, letter.author) == (1, team_a, agent)  # the register keeps its row
    assert (letter.recipient_name, letter.recipient_address, letter.subject, letter.body) == (
        "ANONYMISÉ", "", "Anonymisé", "Anonymisé"
    )  # fmt: skip
    assert not letter.history.filter(body="Votre demande est refusée.").exists()
    assert not TimelineEntry.objects.filter(source_type="travail.outgoingletter").exists()
    assert counts["outgoing_letters_anonymised"] == 1
