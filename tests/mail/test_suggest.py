"""Suggestions read from a letter's text: citizen, type, team, due date, quoted request."""

import datetime
import itertools

import pytest
from django.utils import timezone

from demandes.models import Request
from grc import nir as nir_lib
from mail.models import MailItem, MailType, RoutingRule
from mail.suggest import suggest
from mail.suggest.extraction import extract
from mail.working_days import add_working_days
from tests.factories import AddressFactory, CitizenFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

_numbers = itertools.count(900000)


def make_item(text, *, uploaded_by=None, received=None, **fields):
    """A recognised item with ``text`` as its OCR text (no scan needed to test suggestions)."""
    number = next(_numbers)
    uploaded_by = uploaded_by or UserFactory(staff=True)
    item = MailItem.objects.create(
        registration_number=f"2026-C-{number:06d}",
        year=2026,
        number=number,
        original=f"mail/te/{number:064d}",
        original_name="lettre.pdf",
        content_type="application/pdf",
        size=1000,
        sha256=f"{number:064d}",
        page_count=1,
        uploaded_by=uploaded_by,
        status=MailItem.Status.RECOGNISED,
        ocr_text=text,
        **fields,
    )
    if received:
        MailItem.objects.filter(pk=item.pk).update(received_at=received)
        item.refresh_from_db()
    return item


def letter(body, *, signature="Jeanne MARTIN", address="12 rue des Lilas\n35500 Vitré"):
    return (
        f"{signature}\n{address}\n\nConseil départemental d'Ille-et-Vilaine\n1 avenue de la Préfecture\n"
        f"35042 Rennes Cedex\n\nVitré, le 3 novembre 2026\n\nMadame, Monsieur,\n\n{body}\n\n"
        f"Veuillez agréer, Madame, Monsieur, mes salutations distinguées.\n\n{signature}\n"
    )


def nir_for(citizen, order=123):
    first13 = f"2{citizen.birth_date:%y%m}35238{order:03d}"
    return f"{first13}{nir_lib.key(first13):02d}"


def test_extract_reads_identifiers_dates_and_address():
    text = letter(
        "Je soussignée Jeanne MARTIN, née le 12 mars 1985, n° de sécurité sociale 2 85 03 35 238 123 "
        f"{nir_lib.key('2850335238123'):02d}, demande D-2026-7K3M9Q, dossier social n° 42."
    )
    found = extract(text)
    assert found.birth_dates == [datetime.date(1985, 3, 12)]
    assert found.nirs == ["2850335238123" + f"{nir_lib.key('2850335238123'):02d}"]
    assert found.tracking_codes == ["D-2026-7K3M9Q"]
    assert found.file_numbers == [42]
    assert ("MARTIN", "Jeanne") in found.names
    assert (found.postcode, found.city) == ("35500", "Vitré")
    assert found.sender == "Jeanne MARTIN"


def test_nir_with_wrong_key_is_ignored():
    assert extract("NIR : 2 85 03 35 238 123 00").nirs == []


def test_citizen_found_from_name_and_birth_date_among_homonyms():
    jeanne = CitizenFactory(birth_name="Martin", first_names="Jeanne", birth_date=datetime.date(1985, 3, 12))
    CitizenFactory(birth_name="Martin", first_names="Jeanne", birth_date=datetime.date(1962, 7, 1))
    CitizenFactory(birth_name="Martin", first_names="Jeannine", birth_date=datetime.date(1985, 3, 21))
    item = make_item(letter("Je soussignée Jeanne MARTIN, née le 12/03/1985, sollicite une aide."))

    result = suggest(item)

    best = result["citizen"][0]
    assert best["id"] == jeanne.pk
    assert best["score"] >= 0.9
    assert "Même date de naissance" in best["reasons"]
    assert best["label"].startswith("MARTIN Jeanne")
    assert all(other["score"] < best["score"] for other in result["citizen"][1:])


def test_citizen_found_from_birth_date_written_in_words_and_postcode():
    yann = CitizenFactory(birth_name="Le Goff", first_names="Yann", birth_date=datetime.date(1990, 8, 1))
    AddressFactory(citizen=yann, postcode="35500", city="Vitré", line1="12 rue des Lilas")
    item = make_item(
        letter("Je suis né le 1er août 1990.", signature="Yann LE GOFF", address="12 rue des Lilas\n35500 Vitré")
    )
    best = suggest(item)["citizen"][0]
    assert best["id"] == yann.pk
    assert "Même adresse" in best["reasons"]


def test_citizen_and_request_found_from_tracking_code():
    citizen = CitizenFactory(birth_name="Kerhervé", first_names="Loïc")
    team = TeamFactory(name="RSA — CDAS Vitré")
    request = Request.objects.create(
        tracking_code="D-2026-7K3M9Q",
        procedure_title="Revenu de solidarité active",
        citizen=citizen,
        channel=Request.Channel.WEB,
        status=Request.Status.IN_REVIEW,
        submitted_at=timezone.now(),
        team=team,
    )
    # No name at all: only the code, as OCR may read it (spaces around the hyphens).
    item = make_item("Objet : pièces pour ma demande D - 2026 - 7K3M9Q\nCi-joint mon avis d'imposition.")

    result = suggest(item)

    assert result["citizen"][0]["id"] == citizen.pk
    assert result["citizen"][0]["score"] >= 0.95
    assert "Numéro de suivi de sa demande (D-2026-7K3M9Q)" in result["citizen"][0]["reasons"]
    assert result["request"]["id"] == request.pk
    assert result["request"]["tracking_code"] == "D-2026-7K3M9Q"
    assert result["team"][0]["id"] == team.pk
    assert "Équipe qui instruit la demande D-2026-7K3M9Q" in result["team"][0]["reasons"]


def test_citizen_found_from_nir_despite_a_misread_name():
    citizen = CitizenFactory(birth_name="Rouxel", first_names="Sophie", birth_date=datetime.date(1985, 3, 12))
    citizen.nir = nir_for(citizen)
    citizen.save()
    CitizenFactory(birth_name="Rouxel", first_names="Sophie", birth_date=datetime.date(1979, 5, 2))
    nir = citizen.nir
    spaced = f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
    item = make_item(letter(f"N° de sécurité sociale : {spaced}", signature="Sophle R0UXEL"))

    best = suggest(item)["citizen"][0]

    assert best["id"] == citizen.pk
    assert best["score"] >= 0.95
    assert "NIR cité dans le courrier (clé valide)" in best["reasons"]


def test_type_and_team_from_a_keyword_rule_with_working_day_due_date():
    team = TeamFactory(name="Transport scolaire adapté")
    mail_type = MailType.objects.create(name="Transport scolaire adapté", code="transport", service_level_days=10)
    RoutingRule.objects.create(
        name="Transport scolaire", keywords="transport scolaire\ntaxi scolaire", mail_type=mail_type, team=team
    )
    RoutingRule.objects.create(name="RSA", keywords="RSA\nrevenu de solidarité", team=TeamFactory(name="RSA"))
    # Received Friday 24 December 2026: Christmas and the weekends do not count.
    item = make_item(
        letter("Je sollicite le transport scolaire adapté pour mon fils."),
        received=datetime.datetime(2026, 12, 24, 10, 0, tzinfo=datetime.UTC),
    )

    result = suggest(item)

    assert result["mail_type"][0]["id"] == mail_type.pk
    assert result["team"][0]["id"] == team.pk
    assert result["team"][0]["reasons"][0] == "Mot-clé « transport scolaire » (règle « Transport scolaire »)"
    assert [t["label"] for t in result["team"]] == ["Transport scolaire adapté"]
    # 10 working days after Thu 24/12/2026, skipping 25/12 and 01/01: Monday 11 January 2027.
    assert result["due_date"] == "2027-01-11"


def test_rule_on_sender_and_invalid_pattern_does_not_break():
    team = TeamFactory(name="APA / PCH")
    RoutingRule.objects.create(name="MDPH", sender="MDPH", team=team)
    RoutingRule.objects.create(name="Cassée", pattern="([", team=TeamFactory(name="Autre"))
    item = make_item("MDPH d'Ille-et-Vilaine\nNotification de décision\n")
    teams = suggest(item)["team"]
    assert [t["id"] for t in teams] == [team.pk]
    assert teams[0]["reasons"][0] == "Expéditeur « MDPH » (règle « MDPH »)"


def test_a_pattern_prone_to_catastrophic_backtracking_cannot_hold_the_worker():
    # (a|aa)+$ on a long run of "a" followed by something else backtracks exponentially: with the
    # standard library's re this letter would hold the worker for hours. The rule is skipped after
    # its time limit and the others still suggest.
    import time

    team = TeamFactory(name="APA / PCH")
    RoutingRule.objects.create(name="MDPH", sender="MDPH", team=team)
    RoutingRule.objects.create(name="Piège", pattern="(a|aa)+$", team=TeamFactory(name="Autre"))
    item = make_item("MDPH d'Ille-et-Vilaine\n" + "a" * 60 + "!\n")
    started = time.monotonic()
    teams = suggest(item)["team"]
    assert time.monotonic() - started < 5
    assert [t["id"] for t in teams] == [team.pk]


def test_an_invalid_pattern_is_refused_with_a_french_message():
    from django.core.exceptions import ValidationError

    rule = RoutingRule(name="Cassée", pattern="([", team=TeamFactory(name="Autre"))
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert refused.value.message_dict["pattern"][0].startswith("Expression régulière invalide")
    RoutingRule(name="Valide", pattern=r"allocation\s+personnalis", team=rule.team).full_clean()


def test_team_learned_from_past_decisions_without_any_rule():
    pmi = TeamFactory(name="PMI — CDAS Vitré")
    rsa = TeamFactory(name="RSA — CDAS Vitré")
    agent = UserFactory(staff=True)
    now = timezone.now()
    past = [
        (pmi, "Demande de rendez-vous consultation nourrisson puéricultrice vaccination bébé"),
        (pmi, "Consultation PMI pour mon nourrisson, pesée et vaccination, puéricultrice"),
        (pmi, "Suivi de grossesse sage-femme consultation prénatale bébé"),
        (rsa, "Déclaration trimestrielle de ressources allocation revenu insertion contrat engagement"),
        (rsa, "Contrat d'engagement réciproque insertion allocation ressources trimestrielle"),
    ]
    for team, text in past:
        make_item(text, uploaded_by=agent, team=team, qualified_at=now, qualified_by=agent)
    item = make_item(letter("Je souhaite un rendez-vous avec la puéricultrice pour la vaccination de mon bébé."))

    teams = suggest(item)["team"]

    assert teams[0]["id"] == pmi.pk
    assert teams[0]["reasons"] == ["3 courriers semblables classés « PMI — CDAS Vitré »"]
    assert all(t["id"] != rsa.pk for t in teams)


def test_rule_and_history_agreeing_is_stronger_than_the_rule_alone():
    team = TeamFactory(name="Logement")
    RoutingRule.objects.create(name="FSL", keywords="fonds de solidarité logement", team=team)
    text = "Demande d'aide du fonds de solidarité logement pour impayé de loyer et dépôt de garantie."
    alone = suggest(make_item(text))["team"][0]["score"]
    agent = UserFactory(staff=True)
    for _ in range(3):
        make_item(text + " bailleur", uploaded_by=agent, team=team, qualified_at=timezone.now(), qualified_by=agent)
    combined = suggest(make_item(text))["team"][0]
    assert combined["id"] == team.pk
    assert combined["score"] > alone
    assert len(combined["reasons"]) == 2


def test_empty_text_gives_empty_suggestions():
    result = suggest(make_item(""))
    assert result == {"citizen": [], "mail_type": [], "team": [], "due_date": None, "request": None, "sender": ""}


def test_working_days_skip_weekends_and_easter_monday():
    # Friday 2 April 2027; Easter Monday is 29 March 2027, Ascension 6 May.
    assert add_working_days(datetime.date(2027, 3, 26), 1) == datetime.date(2027, 3, 30)
    assert add_working_days(datetime.date(2027, 4, 2), 1) == datetime.date(2027, 4, 5)


def test_previous_letter_of_the_same_citizen_votes_for_its_team():
    jeanne = CitizenFactory(birth_name="Martin", first_names="Jeanne", birth_date=datetime.date(1985, 3, 12))
    team = TeamFactory(name="ASP — CDAS Vitré")
    agent = UserFactory(staff=True)
    earlier = make_item("Courrier ancien", citizen=jeanne, team=team, qualified_at=timezone.now(), qualified_by=agent)
    item = make_item(letter("Je soussignée Jeanne MARTIN, née le 12/03/1985, vous écris au sujet de ma situation."))

    teams = suggest(item)["team"]

    assert teams[0]["id"] == team.pk
    assert teams[0]["reasons"] == [
        f"Son courrier précédent ({earlier.registration_number}) a été aiguillé vers cette équipe"
    ]


def test_a_very_long_letter_is_read_quickly():
    import time

    body = "Je vous transmets les relevés de compte demandés pour le dossier. " * 12000
    item = make_item(letter(body))
    start = time.perf_counter()
    suggest(item)
    assert time.perf_counter() - start < 2.0


def test_team_of_the_writers_place_learned_from_past_letters_of_that_type():
    """A keyword rule points every RSA letter at Rennes; past decisions sent those from 35500 to Vitré."""
    rennes = TeamFactory(name="RSA — CDAS Rennes")
    vitre = TeamFactory(name="RSA — CDAS Vitré")
    rsa = MailType.objects.create(name="RSA", code="rsa")
    RoutingRule.objects.create(name="RSA", keywords="RSA", mail_type=rsa, team=rennes)
    agent = UserFactory(staff=True)
    for i in range(4):
        make_item(
            letter(
                f"Déclaration trimestrielle RSA numéro {i}.", signature=f"Anne X{i}", address="1 rue A\n35500 Vitré"
            ),
            mail_type=rsa,
            team=vitre,
            qualified_at=timezone.now(),
            qualified_by=agent,
        )
    item = make_item(letter("Je demande le RSA.", signature="Paul DURAND", address="8 rue B\n35500 Vitré"))

    teams = suggest(item)["team"]

    assert teams[0]["id"] == vitre.pk
    assert "4 des 4 courriers « RSA » venus du 35500 classés dans cette équipe" in teams[0]["reasons"]
    assert teams[1]["id"] == rennes.pk


def test_territorial_team_found_from_where_the_postcodes_letters_go():
    """No RSA letter ever came from 35500, but its letters go to the Vitré CDAS: its RSA team is suggested."""
    from tests.factories import SiteFactory

    rennes, vitre = SiteFactory(name="CDAS Rennes"), SiteFactory(name="CDAS Vitré")
    rsa_rennes = TeamFactory(name="RSA — Rennes", site=rennes)
    rsa_vitre = TeamFactory(name="RSA — Vitré", site=vitre)
    pmi_vitre = TeamFactory(name="PMI — Vitré", site=vitre)
    rsa = MailType.objects.create(name="RSA", code="rsa")
    pmi = MailType.objects.create(name="PMI", code="pmi")
    RoutingRule.objects.create(name="RSA", keywords="RSA", mail_type=rsa, team=rsa_rennes)
    agent = UserFactory(staff=True)
    decided = {"qualified_at": timezone.now(), "qualified_by": agent}
    for i in range(10):
        text = f"Anne X{i}\n1 rue A\n35500 Vitré\n\nRendez-vous puéricultrice, pesée du nourrisson."
        make_item(text, mail_type=pmi, team=pmi_vitre, **decided)
    text = "Luc Y\n2 rue C\n35370 Argentré\n\nDéclaration trimestrielle de ressources RSA."
    make_item(text, mail_type=rsa, team=rsa_vitre, **decided)

    item = make_item("Paul DURAND\n8 rue B\n35500 Vitré\n\nJe demande l'ouverture de mes droits au RSA.")
    teams = suggest(item)["team"]

    assert teams[0]["id"] == rsa_vitre.pk
    assert "10 des 10 courriers venus du 35500 sont allés à CDAS Vitré" in teams[0]["reasons"]
    assert rsa_rennes.pk in [t["id"] for t in teams]
