"""Names no phrase introduces, found because the citizen reference knows them, and namesakes told apart by place.

Letters name their person in ways no pattern foresees: "la femme de Gaston Riou", "KERBRAT Inès, Pipriac" at
the end of a sentence, a child's first name in one line and the family name on the letterbox three lines
below. ``spot_pairs`` offers the word pairs that could be a name; ``known_name_pairs`` keeps those a citizen
bears; they are tried only when no name read otherwise answers. The sentences are written for these tests.
"""

import datetime

import pytest

from grc.matching.find import initial_name_pairs, known_name_pairs
from grc.models import Citizen, Commune
from mail.suggest.citizens import suggest_citizens
from mail.suggest.extraction import extract
from mail.suggest.spotting import spot_pairs
from tests.factories import AddressFactory, CitizenFactory


def person(family, first, year=1970, **fields):
    fields = {"usage_name": "", "nir": "", **fields}
    return CitizenFactory(birth_name=family, first_names=first, birth_date=datetime.date(year, 5, 17), **fields)


def first_suggested(text):
    """The id of the first citizen suggested for ``text`` (None when nobody is)."""
    citizens, _ = suggest_citizens(extract(text))
    return citizens[0]["id"] if citizens else None


def test_near_pairs_come_in_both_orders_and_place_names_are_left_out():
    spotted = spot_pairs("L'aide-soignante passe chez Gaston Riou, 9 rue Victor Hugo, collège Anne de Bretagne.")
    assert ("RIOU", "GASTON") in spotted.near and ("GASTON", "RIOU") in spotted.near
    pairs = set(spotted.near) | set(spotted.lower)
    assert not {("HUGO", "VICTOR"), ("VICTOR", "HUGO"), ("BRETAGNE", "ANNE"), ("DE BRETAGNE", "ANNE")} & pairs
    assert spotted.far == []


def test_a_word_in_capitals_is_paired_with_every_word_of_the_letter():
    text = (
        "Une petite fille, Inès, joue seule dans la cour le soir.\nJe ne connais pas sa mère.\n"
        "Sur la sonnette il est écrit KERBRAT.\n"
    )
    spotted = spot_pairs(text)
    assert ("KERBRAT", "INES") in spotted.far and ("KERBRAT", "INES") not in spotted.near
    # Written in small letters, the first name still meets the family name in capitals.
    oral = spot_pairs("je vous écrit pour mon fils enzo qui a peur du car\nmerci\nkevin QUEMERAIS 06 12 34 56 78")
    assert ("QUEMERAIS", "KEVIN") in oral.near and ("QUEMERAIS", "ENZO") in oral.far


def test_words_in_small_letters_close_together_are_paired_with_their_particle():
    spotted = spot_pairs("c'est pour mon bébé lenny da silva il pleure beaucoup trop souvent la nuit")
    assert ("DA SILVA", "LENNY") in spotted.lower and ("SILVA", "LENNY") in spotted.lower
    assert ("PLEURE", "NUIT") not in spotted.lower  # more than three words apart
    assert spotted.near == [] and spotted.far == []


def test_a_name_before_a_bracketed_birth_date_is_read():
    assert ("Corbel", "Titouan") in extract("Titouan Corbel (né le 02/09/2016) entre en sixième.").names


@pytest.mark.django_db
def test_known_name_pairs_keeps_the_pairs_an_active_citizen_bears_in_one_query(django_assert_num_queries):
    person("Riou", "Gaston Marcel")
    person("Le Goff", "Annick", usage_name="Tanguy")
    kept = person("Piel", "Louis")
    merged = person("Piel", "Roger")
    Citizen.objects.filter(pk=merged.pk).update(status="merged", merged_into=kept)
    pairs = [("RIOU", "GASTON"), ("GASTON", "RIOU"), ("Le Goff", "Annick"), ("TANGUY", "ANNICK"), ("PIEL", "ROGER")]

    with django_assert_num_queries(1):
        known = known_name_pairs(pairs)

    assert known == [("RIOU", "GASTON"), ("Le Goff", "Annick"), ("TANGUY", "ANNICK")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("family", "first", "year", "text"),
    [
        # Named in passing, the writer (no citizen) signing with the same family name.
        (
            "Riou",
            "Gaston",
            1941,
            "Bonjour\n\nL'infirmière passe chez Gaston Riou chaque matin mais il tombe souvent la nuit et ne "
            "peut plus rester seul.\n\nMartine Riou\n06 11 22 33 44\n",
        ),
        # A signature at the end of a sentence, family name first.
        ("Kerbrat", "Maëlle", 1996, "Ca fait deux mois que j'attends, personne ne rappelle. KERBRAT Maëlle, Pipriac"),
        # A first name and a family name in capitals lines apart.
        (
            "Kerbrat",
            "Inès",
            2019,
            "Une petite fille, Inès, joue seule dans la cour le soir.\nJe ne connais pas sa mère.\n"
            "Sur la sonnette il est écrit KERBRAT.\nUne voisine\n",
        ),
        # An oral letter all in small letters, the family name with its particle.
        ("Da Silva", "Lenny", 2026, "bonjour\n\nc'est pour mon bébé lenny da silva il a 2 mois il pleure\n\nmerci\n"),
    ],
)
def test_a_person_named_without_any_introducing_phrase_is_found(family, first, year, text):
    meant = person(family, first, year)
    assert first_suggested(text) == meant.pk


@pytest.mark.django_db
def test_a_street_named_after_someone_never_suggests_a_citizen_of_that_name():
    person("Hugo", "Victor", 1980)
    text = "Bonjour,\nmon chauffe-eau est en panne depuis une semaine.\nUne locataire du 9 rue Victor Hugo\n"
    citizens, _ = suggest_citizens(extract(text))
    assert citizens == []


@pytest.mark.django_db
def test_a_named_person_is_not_pushed_aside_by_a_pair_spotted_elsewhere():
    """The cued name answers: a spotted pair (the writer, also a citizen) is not tried at all."""
    child = person("Lebreton", "Nolan", 2015)
    person("Lebreton", "Sandrine", 1988)
    text = "Je vous écris pour mon fils Nolan Lebreton qui n'a plus de taxi. Sa mère, Sandrine Lebreton, travaille."
    citizens, _ = suggest_citizens(extract(text))
    assert [c["id"] for c in citizens] == [child.pk]


@pytest.mark.django_db
def test_namesakes_are_told_apart_by_the_one_living_near_a_place_the_letter_names():
    """Two Lucie Guégan, in Vitré and in Rennes (35 km apart); a club of Argentré-du-Plessis (10 km from Vitré)
    writes: the one of Vitré comes first, with the distance as the reason. A letter naming no place ties them."""
    vitre_home = Commune.objects.get(code="35360")
    assert vitre_home.latitude is not None
    near = person("Guégan", "Lucie", 1983)
    far = person("Guégan", "Lucie", 1961)
    AddressFactory(citizen=near, postcode="35500", city="Vitré", insee_code="35360")
    AddressFactory(citizen=far, postcode="35000", city="Rennes", insee_code="35238")
    club = (
        "Club de tennis de table d'Argentré-du-Plessis\n\nMadame, Monsieur,\nNotre club voudrait acheter deux "
        "tables neuves.\n\nLa présidente, Lucie Guégan\n"
    )
    citizens, _ = suggest_citizens(extract(club))
    assert citizens[0]["id"] == near.pk
    assert any(r.startswith("Habite à ") and "Argentré-du-Plessis" in r for r in citizens[0]["reasons"])
    assert citizens[1]["id"] == far.pk and citizens[1]["score"] < citizens[0]["score"]

    nowhere, _ = suggest_citizens(extract(club.replace(" d'Argentré-du-Plessis", "")))
    assert nowhere[0]["score"] == nowhere[1]["score"]


def test_a_birth_name_after_a_married_name_is_read_with_the_first_names():
    names = extract("Ma mère, Mme Josiane Le Floch (née Guillemot), vit seule depuis l'hiver.").names
    assert ("Guillemot", "Josiane") in names
    assert ("COSTARD", "Renée") in extract("Objet : Mme Renée PIRIOU née COSTARD, dossier d'aide").names


@pytest.mark.django_db
def test_a_child_named_by_first_name_only_takes_the_family_name_the_letter_gives():
    """ "mon fils Kevin" and the mother's signature: the child is Kevin with her family name. "le papa d Enzo",
    written without the apostrophe, as in a text message."""
    kevin = person("Jégard", "Kevin", 2013)
    text = "Je n'ai plus de nouvelles de mon fils Kevin depuis la rentrée, personne ne me rappelle.\n\nSandra Jégard\n"
    assert first_suggested(text) == kevin.pk

    enzo = person("Trémel", "Enzo", 2015)
    person("Trémel", "Océane", 1990)
    sms = "Bjr c M. Trémel le papa d Enzo, le taxi est pa venu ce matin. Merci\nTrémel Kevin 06 11 22 33 44"
    assert first_suggested(sms) == enzo.pk


@pytest.mark.django_db
def test_a_signature_with_the_family_name_in_small_letters_is_found():
    jordan = person("Lebrec", "Jordan", 1996)
    text = "bonjour\nje vous envoie ma declaration du trimestre en retard desolé\nJordan lebrec\n"
    assert first_suggested(text) == jordan.pk


@pytest.mark.django_db
def test_a_family_name_signed_with_an_initial_finds_the_person_with_that_initial(django_assert_num_queries):
    treasurer = person("Lemarié", "Véronique", 1962)
    person("Lemarié", "Patrick", 1960)
    text = "Bonjour, trésorière du club de tennis de table. Notre dossier de juin est sans réponse. Merci. V. Lemarié"
    found = extract(text)
    assert found.spotted.initials == [("LEMARIE", "V")]
    with django_assert_num_queries(1):
        assert initial_name_pairs(found.spotted.initials) == [("LEMARIE", "VERONIQUE")]
    citizens, _ = suggest_citizens(found)
    assert citizens and citizens[0]["id"] == treasurer.pk
    assert spot_pairs("Le président, LORAND B.\n").initials == [("LORAND", "B")]


@pytest.mark.django_db
def test_a_note_all_in_small_letters_signed_with_an_initial_finds_the_person():
    secretary = person("Quéméner", "Solenn", 1971)
    person("Quéméner", "Yannick", 1968)
    text = "bjr\nci joint le compte rendu de l ag et le rib du club pr le dossier.\nmerci\ns. quemener, secretaire\n"
    assert extract(text).spotted.initials == [("QUEMENER", "S")]
    assert first_suggested(text) == secretary.pk
    # Not an abbreviation's dot inside a word, nor a short word.
    assert spot_pairs("voir p. 12, etc. merci, j. ai\n").initials == []
