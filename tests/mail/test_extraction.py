"""Names read from a letter's running text and signature, and who the letter is then suggested for.

The sentences here are written for these tests (never copied from the evaluation or training corpus):
they pin the general forms citizens use, not particular letters.
"""

import datetime

import pytest

from mail.suggest.citizens import suggest_citizens
from mail.suggest.extraction import extract
from tests.factories import AddressFactory, CitizenFactory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bonjour je m'apelle Solène Riaux et j'ai besoin d'aide pour mon loyer", ("Riaux", "Solène")),
        ("Bonjour, je m'appelle Armand Kervella, j'ai 58 ans.", ("Kervella", "Armand")),
        ("Je soussignée Yvette LE CORRE, demeurant à Bain-de-Bretagne, atteste", ("LE CORRE", "Yvette")),
        ("Je soussigné, Gaëtan DELAUNAY-PRIÉ, certifie sur l'honneur", ("DELAUNAY-PRIÉ", "Gaëtan")),
        ("Mon fils Tristan Quintin ne peut plus prendre le car depuis mars.", ("Quintin", "Tristan")),
        ("ma fille Louna Béchu est suivie par l'orthophoniste", ("Béchu", "Louna")),
        ("Mme Odile Carfantan née le 04/09/1948 vit seule depuis l'an dernier.", ("Carfantan", "Odile")),
        ("Concerne : M. Bastien Lhermitte, votre dossier d'aide", ("Lhermitte", "Bastien")),
        ("Objet : Madame Rozenn Le Dantec — pièces manquantes", ("Le Dantec", "Rozenn")),
        ("Nous vous écrivons au sujet de la famille Gicquel, installée au bourg.", ("Gicquel", "")),
        ("Bonjour, Gwenaël Tanguy, le radiateur de la chambre ne chauffe plus", ("Tanguy", "Gwenaël")),
        ("bonjour\nSterenn Guillo. La caisse me réclame un trop-perçu", ("Guillo", "Sterenn")),
        # A cue line with no name after it must not swallow the next line's cue.
        ("Madame, Monsieur\nJe m'appelle Honorine Pasquiou et je vis seule.", ("Pasquiou", "Honorine")),
        # A role in the heading line is not the context of the writer's own name on the next line.
        ("madame la référente\nje m'appelle Romuald Thébault, mon dossier traîne", ("Thébault", "Romuald")),
        ("Nous vous écrivons au sujet de Timéo Guérin, inscrit en CE2.", ("Guérin", "Timéo")),
        ("La commission a retenu l'élève Noémie Daniel pour un trajet adapté.", ("Daniel", "Noémie")),
        ("la prise en charge du jeune Sacha Hamon reprendra lundi", ("Hamon", "Sacha")),
        ("ma petite Maïwenn Cadiou entre au CP et ne voit que d'un œil", ("Cadiou", "Maïwenn")),
        ("Nous accueillons Ilan Berthelot, 15 ans, depuis le printemps.", ("Berthelot", "Ilan")),
        # Written all in small letters after the writer introduces themself.
        ("salut je m'appelle maëlys le gall jai 14 ans et je vis a Pacé", ("Le Gall", "Maëlys")),
        ("bonjour c kevin morvan\nmon virement est pas passé", ("Morvan", "Kevin")),
        # The family name wrapped to the next line after a cued first name.
        ("Je vous écris pour mon neveu Erwan\nBodiguel, qui ne peut plus marcher", ("Bodiguel", "Erwan")),
        ("pour mon garçon Jules Pennec qui rentre au lycée", ("Pennec", "Jules")),
        ("le bilan montre que la famille de Lény Corlay n'a pas repris contact", ("Corlay", "Lény")),
        ("Inès Quémener, élève de CM1, attend toujours son taxi.", ("Quémener", "Inès")),
    ],
)
def test_names_written_in_running_text_are_read(text, expected):
    assert expected in extract(text).names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Merci d'avance pour votre réponse.\n\nAnaëlle Trémoureux\n", ("Trémoureux", "Anaëlle")),
        ("Bien à vous\nFabrice Le Nouail\n07 81 22 40 19\n", ("Le Nouail", "Fabrice")),
        ("Salutations.\nMarie-Hélène Jouault 02.99.41.17.65\n", ("Jouault", "Marie-Hélène")),
        ("Cordialement,\nLoïc GOUÉDARD\n", ("GOUÉDARD", "Loïc")),
        # The commune or the street after the name on the signature line.
        ("voila le papier\nNadège Rioual (Janzé)\n", ("Rioual", "Nadège")),
        ("je veux une réponse\nYoann Picard 14 rue de Brest Rennes\n", ("Picard", "Yoann")),
    ],
)
def test_title_case_signatures_are_read_even_with_a_phone_number(text, expected):
    assert expected in extract(text).names


def test_the_departements_staff_and_addressee_block_is_not_taken_for_the_citizen():
    text = (
        "Monsieur le Président du Conseil départemental\nMadame la Directrice de l'Enfance\n"
        "Service Prévention et Protection\n1 avenue de la Préfecture\n\nMadame, Monsieur,\n\n"
        "L'assistante sociale Mme Prigent m'a conseillé de vous écrire. Je m'appelle Clémence Orhan.\n\n"
        "Merci\nClémence Orhan\n"
    )
    names = extract(text).names
    assert names[0] == ("Orhan", "Clémence")
    # Both word orders of the citizen's name may be tried; nothing else (no staff, office or addressee).
    assert set(names) <= {("Orhan", "Clémence"), ("Clémence", "Orhan")}, names


def test_an_office_signature_is_not_a_citizen():
    names = extract("Je vous prie d'agréer mes salutations.\n\nLe Directeur\nArnaud Pélerin\n").names
    assert ("Pélerin", "Arnaud") not in names


def test_ages_are_read_but_not_durations():
    found = extract("Ma mère, 84 ans, vit seule. Il y a 3 ans elle est tombée ; mon fils a 9 ans. J'ai 52 ans.")
    assert found.ages == [84, 9, 52]
    assert extract("depuis 10 ans je travaille, pendant 2 ans au chômage").ages == []


def test_ordinary_sentences_give_no_name():
    text = "Madame, Monsieur,\n\nJe suis enceinte de cinq mois et je vis seule.\nBonne journée\nMerci Beaucoup\n"
    assert extract(text).names == []


@pytest.mark.django_db
def test_birth_date_in_running_text_picks_the_right_homonym():
    """Two citizens with the same name born in different years: the date the letter gives decides."""
    right = CitizenFactory(
        birth_name="Kerneur", first_names="Maëlle", birth_date=datetime.date(1991, 6, 14), usage_name="", nir=""
    )
    other = CitizenFactory(
        birth_name="Kerneur", first_names="Maëlle", birth_date=datetime.date(1979, 2, 3), usage_name="", nir=""
    )
    AddressFactory(citizen=right, postcode="35600", city="Redon", insee_code="")
    AddressFactory(citizen=other, postcode="35600", city="Redon", insee_code="")
    text = (
        "bonjour\n\nje m'appelle Maëlle Kerneur, née le 14 juin 1991, je n'arrive plus a payer la cantine "
        "des enfants depuis que j'ai perdu mon travail.\n\nmerci de me rappeler\nMaëlle Kerneur\n06 44 18 27 90\n"
    )
    citizens, _ = suggest_citizens(extract(text))
    assert citizens[0]["id"] == right.pk
    assert all(c["score"] < citizens[0]["score"] for c in citizens if c["id"] == other.pk)
    # Without the date both homonyms are suggested: the date is what set them apart.
    undated, _ = suggest_citizens(extract(text.replace(", née le 14 juin 1991", "")))
    assert {c["id"] for c in undated} >= {right.pk, other.pk}


@pytest.mark.django_db
def test_a_signature_written_family_name_first_is_tried_the_other_way_round():
    citizen = CitizenFactory(
        birth_name="Quéffelec", first_names="Bertrand", birth_date=datetime.date(1968, 1, 9), usage_name="", nir=""
    )
    found = extract("je vous renvoie le formulaire signé\n\nQuéffelec Bertrand\n")
    assert found.names == [("Bertrand", "Quéffelec")]
    citizens, _ = suggest_citizens(found)
    assert citizens and citizens[0]["id"] == citizen.pk


@pytest.mark.django_db
def test_the_other_word_order_is_not_tried_when_the_name_answers_as_written():
    """ "Martine Hervé" must not also bring a citizen named MARTIN: the written order found someone."""
    right = CitizenFactory(
        birth_name="Hervé", first_names="Martine", birth_date=datetime.date(1957, 5, 2), usage_name="", nir=""
    )
    CitizenFactory(
        birth_name="Martin", first_names="Hervé", birth_date=datetime.date(1957, 5, 2), usage_name="", nir=""
    )
    citizens, _ = suggest_citizens(extract("Bonjour,\nje m'appelle Martine Hervé.\nMerci\n"))
    assert [c["id"] for c in citizens] == [right.pk]


@pytest.mark.django_db
def test_an_office_holder_signing_for_an_association_is_tried_only_when_no_other_name_answers():
    """A club's subsidy request names no one but its treasurer: she is the person suggested. A school
    head signing about a pupil is not: the pupil answers first."""
    treasurer = CitizenFactory(
        birth_name="Le Bihan", first_names="Josiane", birth_date=datetime.date(1961, 8, 30), usage_name="", nir=""
    )
    club = (
        "Club de voile de l'Aber\nTrésorière : Josiane Le Bihan\n\nMadame la Présidente,\nNotre club "
        "souhaite acheter deux dériveurs pour l'école de voile.\n\nLa trésorière, Josiane Le Bihan\n"
    )
    found = extract(club)
    assert ("Le Bihan", "Josiane") in found.office_names and ("Le Bihan", "Josiane") not in found.names
    citizens, _ = suggest_citizens(found)
    assert citizens and citizens[0]["id"] == treasurer.pk

    pupil = CitizenFactory(
        birth_name="Rouxel", first_names="Corentin", birth_date=datetime.date(2014, 2, 11), usage_name="", nir=""
    )
    school = "Nous vous écrivons au sujet de Corentin Rouxel, élève de CM2.\n\nLa trésorière, Josiane Le Bihan\n"
    citizens, _ = suggest_citizens(extract(school))
    assert [c["id"] for c in citizens] == [pupil.pk]
