"""The one citizen finder (grc.matching.find): each family of misspelling found in the top 10 among a few
thousand people with homonyms, and every caller — the back office's "Usagers" page, GET /api/v1/citizens,
the global search box, identity matching and the mail suggestions — going through it."""

import datetime
import random

import pytest
from faker.providers.person.fr_FR import Provider

from grc.matching.candidates import IdentityQuery, match
from grc.matching.find import citizen_find, query_terms
from grc.matching.names import normalised_fields
from grc.models import Citizen
from tests.factories import AddressFactory, CitizenFactory

BIRTH = datetime.date(1984, 3, 7)
# Written by hand, the way people type them (not derived from the phonetic rules under test).
TYPED = {
    "typo": ("Lefèbvre", "Maryvonne", "lefebrve maryvonne"),
    "phonetic": ("Gauthier", "Philippe", "gotier philippe"),
    "missing_letter": ("Kerhervé", "Maëlle", "kerherv maelle"),
    "doubled_letter": ("Morel", "Paul", "morrel paul"),
    "accents": ("Hélène", "Bérénice", "HELENE berenice"),
    "particle_glued": ("Le Goff", "Yann", "legoff yann"),
    "particle_dropped": ("de la Fontaine", "Jeanne", "fontaine jeanne"),
    "compound_space": ("Martin-Durand", "Lucie", "martin durand lucie"),
    "compound_one_part": ("Kermarrec-Le Bihan", "Soizic", "le bihan soizic"),
    "first_names_swapped": ("Rouxel", "Anne, Marie", "rouxel marie anne"),
    "first_name_first": ("Guillou", "Tristan", "tristan guilou"),
}


def _population(size: int, seed: int = 5) -> list[Citizen]:
    """``size`` people with French names (Faker's lists), 1 in 10 sharing another's name and first name."""
    rng = random.Random(seed)
    surnames, firsts = list(Provider.last_names), list(Provider.first_names)
    rows = []
    for i in range(size):
        if rows and i % 10 == 0:
            other = rng.choice(rows)
            birth, first = other.birth_name, other.first_names
        else:
            birth, first = rng.choice(surnames), rng.choice(firsts)
        day = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(25_000))
        rows.append(
            Citizen(
                birth_name=birth,
                first_names=first,
                birth_date=day,
                **normalised_fields(birth_name=birth, usage_name="", first_names=first),
            )
        )
    return Citizen.objects.bulk_create(rows)


@pytest.fixture
def crowd(db):
    """3,000 people with homonyms, and the people of TYPED each with a homonym born another day."""
    _population(3000)
    people = {}
    for kind, (birth, first, _) in TYPED.items():
        people[kind] = CitizenFactory(birth_name=birth, first_names=first, birth_date=BIRTH)
    married = CitizenFactory(birth_name="Jégou", usage_name="Le Roux", first_names="Nolwenn", birth_date=BIRTH)
    people["usage_name"], people["birth_name_of_married"] = married, married
    return people


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(TYPED))
def test_each_family_of_misspelling_is_found_in_the_top_ten(crowd, kind):
    hits = citizen_find(query=TYPED[kind][2], limit=10)
    assert crowd[kind].pk in [h.citizen_id for h in hits]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "typed"), [("usage_name", "le roux nolwenn"), ("birth_name_of_married", "jegou nolwen")]
)
def test_a_married_woman_is_found_by_either_name(crowd, kind, typed):
    assert crowd[kind].pk in [h.citizen_id for h in citizen_find(query=typed, limit=10)]


@pytest.mark.django_db
def test_family_and_first_names_given_apart_find_the_same_person(crowd):
    apart = citizen_find(last_name="Lefebrve", first_names="Maryvonne", limit=10)
    assert apart[0].citizen_id == crowd["typo"].pk


@pytest.mark.django_db
def test_exact_spelling_ranks_before_a_one_letter_typo_and_a_sound_alike(db):
    exact = CitizenFactory(birth_name="Lefevre", first_names="Marie", birth_date=BIRTH)
    sound = CitizenFactory(birth_name="Lefaivre", first_names="Marie", birth_date=BIRTH)
    typo = CitizenFactory(birth_name="Lefebvre", first_names="Marie", birth_date=BIRTH)
    hits = citizen_find(query="lefevre marie")
    assert [h.citizen_id for h in hits[:3]] == [exact.pk, typo.pk, sound.pk]
    assert hits[0].score > hits[1].score > hits[2].score


@pytest.mark.django_db
def test_the_first_given_name_typed_ranks_the_person_called_so_first(db):
    jean_louis = CitizenFactory(birth_name="Dupont", first_names="Jean, Louis")
    louis = CitizenFactory(birth_name="Dupont", first_names="Louis")
    assert [h.citizen_id for h in citizen_find(query="dupont louis")] == [louis.pk, jean_louis.pk]


@pytest.mark.django_db
def test_a_word_nobody_has_does_not_hide_the_person(crowd):
    # A second given name the reference does not hold: one typed word may go unmatched.
    hits = citizen_find(query="lefebvre maryvonne paul", limit=10)
    assert crowd["typo"].pk in [h.citizen_id for h in hits]


@pytest.mark.django_db
def test_commune_ranks_the_person_living_there_first(db):
    far = CitizenFactory(birth_name="Le Bras", first_names="Erwan")
    near = CitizenFactory(birth_name="Le Bras", first_names="Erwan")
    AddressFactory(citizen=far, postcode="35400", insee_code="35288")
    AddressFactory(citizen=near, postcode="35500", insee_code="35360")
    assert [h.citizen_id for h in citizen_find(query="le bras erwan")][0] == min(far.pk, near.pk)
    assert [h.citizen_id for h in citizen_find(query="le bras erwan", commune="35360")][0] == near.pk


@pytest.mark.django_db
def test_a_short_name_typed_with_its_particle_glued_is_found(db):
    """LE LAY and LE ROY are stored as LAY and ROY: "lelay", "leroy" typed glued find them (LEROY, a name of
    its own, first: spelled as typed)."""
    le_lay = CitizenFactory(birth_name="Le Lay", first_names="Annie")
    le_roy = CitizenFactory(birth_name="Le Roy", first_names="Annie")
    leroy = [CitizenFactory(birth_name="Leroy", first_names="Annie") for _ in range(2)]
    assert citizen_find(query="lelay annie")[0].citizen_id == le_lay.pk
    assert [h.citizen_id for h in citizen_find(query="leroy annie")] == [*(c.pk for c in leroy), le_roy.pk]


@pytest.mark.django_db
def test_a_birth_year_ranks_the_namesake_born_that_year_first_even_past_the_probe_cap(db, monkeypatch):
    """What an agent adds for a common name: the year. With the probe capped at 3 rows, the namesake born
    that year (the last created: the coarse order alone would cut it) is still found, first; a namesake with
    the name misspelled and the right year stays below the right spelling born that year."""
    namesakes = [
        CitizenFactory(birth_name="Le Bras", first_names="Erwan", birth_date=datetime.date(1950 + i, 5, 1))
        for i in range(6)
    ]
    braz = CitizenFactory(birth_name="Le Braz", first_names="Erwan", birth_date=datetime.date(1955, 2, 2))
    monkeypatch.setattr("grc.matching.find.PROBE_CAP", 3)
    assert namesakes[-1].pk not in [h.citizen_id for h in citizen_find(query="le bras erwan")]
    found = citizen_find(query="le bras erwan", birth_year=1955)
    assert [h.citizen_id for h in found][:2] == [namesakes[-1].pk, braz.pk] and len(found) == 3
    # A birth date given too wins: the year is only a ranking hint without one.
    dated = citizen_find(query="le bras erwan", birth_year=1955, birth_date=datetime.date(1950, 5, 1))
    assert [h.citizen_id for h in dated] == [namesakes[0].pk]


@pytest.mark.django_db
def test_merged_and_excluded_citizens_are_left_out_unless_asked(db):
    kept = CitizenFactory(birth_name="Rouxel", first_names="Anne")
    merged = CitizenFactory(birth_name="Rouxel", first_names="Anne", status=Citizen.Status.MERGED, merged_into=kept)
    assert [h.citizen_id for h in citizen_find(query="rouxel anne")] == [kept.pk]
    assert merged.pk in [h.citizen_id for h in citizen_find(query="rouxel anne", include_merged=True)]
    assert citizen_find(query="rouxel anne", exclude_ids=[kept.pk]) == []


@pytest.mark.django_db
def test_birth_date_alone_lists_everyone_born_that_day_by_name(db):
    b = CitizenFactory(birth_name="Bertho", first_names="Anne", birth_date=BIRTH)
    a = CitizenFactory(birth_name="Abgrall", first_names="Yves", birth_date=BIRTH)
    CitizenFactory(birth_name="Abgrall", first_names="Yves", birth_date=datetime.date(1990, 1, 1))
    assert [h.citizen_id for h in citizen_find(birth_date=BIRTH)] == [a.pk, b.pk]
    assert [h.citizen_id for h in citizen_find(query="berto", birth_date=BIRTH)] == [b.pk]


@pytest.mark.django_db
def test_nothing_typed_finds_nobody(db):
    CitizenFactory(birth_name="Le Gall", first_names="Anne")
    assert citizen_find(query="") == [] and citizen_find(query=" - ' ") == []
    assert query_terms(query="le") and citizen_find(query="zzzzqqq") == []


@pytest.mark.django_db
def test_a_name_written_after_the_index_was_built_is_in_the_lexicon(db):
    citizen = CitizenFactory(birth_name="Quéméner", first_names="Gwenola")
    assert citizen_find(query="quemenner gwenola")[0].citizen_id == citizen.pk
    Citizen.objects.filter(pk=citizen.pk).update(
        **normalised_fields(birth_name="Kerfourn", usage_name="", first_names="Gwenola")
    )
    assert citizen_find(query="kerfourm gwenola")[0].citizen_id == citizen.pk


@pytest.mark.django_db
def test_query_counts_are_fixed(crowd, django_assert_num_queries):
    with django_assert_num_queries(2):  # the lexicon, the probe
        citizen_find(query="lefebrve maryvonne")
    with django_assert_num_queries(3):  # the probe finds nobody with every word: one left out
        citizen_find(query="lefebvre maryvonne paul")
    with django_assert_num_queries(2):  # a birth year is in the probe's order, not another query
        citizen_find(query="lefebrve maryvonne", birth_year=1984)
    with django_assert_num_queries(1):
        citizen_find(query="lefebvre", birth_date=BIRTH)
    with django_assert_num_queries(3):  # the lexicon, the probe, the candidates' identities
        match(IdentityQuery(birth_name="Lefebrve", first_names="Maryvonne"))
