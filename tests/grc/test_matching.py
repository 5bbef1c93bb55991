import datetime

import pytest
from django.db import connection, transaction

from grc.matching.candidates import (
    SUSPICION_THRESHOLD,
    IdentityQuery,
    _query_profile,
    _retrieval_sql,
    birth_date_variants,
    compare,
    match,
)
from grc.matching.find import _probe_sql, query_terms
from grc.matching.names import fold, name_keys, normalise_first_names, normalise_name, normalised_fields
from grc.matching.phonetics import phonetic
from grc.matching.search import search_citizens
from grc.models import Citizen
from tests.factories import AddressFactory, CitizenFactory

BIRTH = datetime.date(1984, 3, 7)


def _ids(candidates):
    return [c.citizen_id for c in candidates]


def _find(candidates, citizen):
    return next((c for c in candidates if c.citizen_id == citizen.pk), None)


# --- normalisation --------------------------------------------------------------------------------


def test_fold_removes_accents_case_ligatures_hyphens_and_apostrophes():
    assert fold("Hélène-Noëlle d'Œuvray") == "HELENE NOELLE D OEUVRAY"
    assert fold("  çà   et  là ") == "CA ET LA"


def test_normalise_name_drops_particles():
    assert normalise_name("Le Goff") == "GOFF"
    assert normalise_name("d'Arc") == "ARC"
    assert normalise_name("de la Fontaine") == "FONTAINE"
    assert normalise_name("Du Pont-Aven") == "PONT AVEN"


def test_normalise_name_keeps_a_name_made_only_of_particles():
    assert normalise_name("Le") == "LE"


def test_compound_first_names_normalise_to_the_same_words():
    assert normalise_first_names("Jean-Pierre") == normalise_first_names("Jean Pierre") == "JEAN PIERRE"
    assert normalise_first_names("Marie-Hélène, Josée") == "MARIE HELENE JOSEE"


def test_normalised_fields_search_name_holds_birth_and_usage_names_once():
    fields = normalised_fields(birth_name="Martin", usage_name="Durand", first_names="Marie")
    assert fields["search_name"] == "MARTIN DURAND MARIE"
    assert (
        normalised_fields(birth_name="Martin", usage_name="MARTIN", first_names="Léa")["search_name"] == "MARTIN LEA"
    )


def test_glued_portuguese_and_italian_particles_give_the_name_after_them():
    # Stored with the particle as a word (DA SILVA, DOS SANTOS), typed glued: the rest is looked up as spelled.
    assert "SILVA" in name_keys("dasilva") and "SANTOS" in name_keys("dossantos") and "MAGGIO" in name_keys("Dimaggio")
    assert "SANTOS" in query_terms(query="dossantos michelle")[0].strict_forms
    # Besides the French particles, not instead of them; never leaving fewer than four letters.
    assert "ARVOR" in name_keys("DARVOR") and "VID" not in name_keys("David")


def test_name_keys_cover_glued_and_spaced_particles():
    assert {"GOFF", "LEGOFF"} <= name_keys("Le Goff")
    assert "GOFF" in name_keys("LEGOFF")
    assert {"ARC", "DARC"} <= name_keys("D'Arc")
    assert "ARC" in name_keys("DARC")
    assert "LAFONTAINE" in name_keys("de la Fontaine")
    assert "FONTAINE" in name_keys("Lafontaine")


def test_birth_date_variants_include_swap_and_one_digit_changes():
    close, far = birth_date_variants(datetime.date(1984, 3, 7))
    assert close == [datetime.date(1984, 3, 7), datetime.date(1984, 7, 3)]
    assert datetime.date(1985, 3, 7) in far
    assert datetime.date(1984, 3, 1) in far
    assert datetime.date(1984, 8, 7) in far
    assert all(d.year >= 1880 for d in far)
    assert len(far) < 80


# --- scoring --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_compare_identical_identity_scores_near_one_with_reasons():
    a = CitizenFactory(birth_name="Dupont", first_names="Jean", birth_date=BIRTH)
    b = CitizenFactory(birth_name="DUPONT", first_names="jean", birth_date=BIRTH)
    result = compare(a, b)
    assert result.citizen_id == b.pk
    assert result.score >= 0.95
    assert "Même date de naissance" in result.reasons
    assert "Même nom de naissance" in result.reasons


@pytest.mark.django_db
def test_compare_explains_a_close_birth_name():
    a = CitizenFactory(birth_name="Dupont", first_names="Jean", birth_date=BIRTH)
    b = CitizenFactory(birth_name="Dupond", first_names="Jean", birth_date=BIRTH)
    result = compare(a, b)
    assert result.score >= SUSPICION_THRESHOLD
    assert "Nom de naissance proche (DUPONT / DUPOND)" in result.reasons


@pytest.mark.django_db
def test_homonyms_with_other_birth_date_and_place_score_below_suspicion():
    a = CitizenFactory(birth_name="Martin", first_names="Jean", birth_date=BIRTH, birth_place="Rennes")
    b = CitizenFactory(
        birth_name="Martin", first_names="Jean", birth_date=datetime.date(1961, 11, 25), birth_place="Brest"
    )
    assert compare(a, b).score < SUSPICION_THRESHOLD
    assert b.pk not in _ids(match(IdentityQuery.from_citizen(a), min_score=SUSPICION_THRESHOLD))


@pytest.mark.django_db
def test_twins_with_other_first_names_score_below_suspicion():
    a = CitizenFactory(birth_name="Martin", first_names="Paul", birth_date=BIRTH, sex="M")
    b = CitizenFactory(birth_name="Martin", first_names="Louis", birth_date=BIRTH, sex="M")
    assert compare(a, b).score < SUSPICION_THRESHOLD


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "other"), [("Jean-Jules", "Jean-Édouard"), ("Marie", "Maggie")])
def test_different_compound_or_similar_looking_first_names_are_not_duplicates(first, other):
    a = CitizenFactory(birth_name="Leroy", first_names=first, birth_date=BIRTH)
    b = CitizenFactory(birth_name="Leroy", first_names=other, birth_date=BIRTH)
    assert compare(a, b).score < SUSPICION_THRESHOLD


@pytest.mark.django_db
def test_a_typo_in_the_first_name_is_tolerated():
    a = CitizenFactory(birth_name="Leroy", first_names="Mathilde", birth_date=BIRTH)
    b = CitizenFactory(birth_name="Leroy", first_names="Matilde", birth_date=BIRTH)
    assert compare(a, b).score >= SUSPICION_THRESHOLD


@pytest.mark.django_db
def test_different_sex_lowers_the_score():
    a = CitizenFactory(birth_name="Bernard", first_names="Camille", birth_date=BIRTH, sex="F")
    b = CitizenFactory(birth_name="Bernard", first_names="Camille", birth_date=BIRTH, sex="M")
    c = CitizenFactory(birth_name="Bernard", first_names="Camille", birth_date=BIRTH, sex="F")
    assert compare(a, b).score < compare(a, c).score
    assert "Sexes différents" in compare(a, b).reasons


@pytest.mark.django_db
def test_same_current_address_is_a_reason():
    a = CitizenFactory(birth_name="Robin", first_names="Léa", birth_date=BIRTH)
    b = CitizenFactory(birth_name="Robin", first_names="Lea", birth_date=BIRTH)
    AddressFactory(citizen=a, line1="3 rue de Nantes", postcode="35000")
    AddressFactory(citizen=b, line1="3, rue de Nantes", postcode="35000")
    assert "Même adresse" in compare(a, b).reasons


# --- match ----------------------------------------------------------------------------------------


@pytest.fixture
def noise(db):
    """Other citizens, so that a match has something to choose from."""
    return [
        CitizenFactory(birth_name=name, first_names=first, birth_date=datetime.date(1950 + i, 1 + i % 12, 1 + i))
        for i, (name, first) in enumerate(
            [("Lefebvre", "Paul"), ("Moreau", "Anne"), ("Girard", "Luc"), ("Durand", "Marie"), ("Petit", "Jean")]
        )
    ]


@pytest.mark.django_db
def test_match_finds_accent_and_case_variants(noise):
    target = CitizenFactory(birth_name="Lefèvre", first_names="Hélène", birth_date=BIRTH)
    found = match(IdentityQuery(birth_name="LEFEVRE", first_names="helene", birth_date=BIRTH))
    assert _ids(found)[0] == target.pk
    assert found[0].score >= 0.95


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Le Goff", "LEGOFF"),
        ("LEGOFF", "Le Goff"),
        ("D'Arc", "DARC"),
        ("Darc", "d'Arc"),
        ("de la Fontaine", "Lafontaine"),
    ],
)
def test_match_finds_particle_variants(noise, stored, typed):
    target = CitizenFactory(birth_name=stored, first_names="Yann", birth_date=BIRTH)
    found = match(IdentityQuery(birth_name=typed, first_names="Yann", birth_date=BIRTH))
    assert _ids(found)[0] == target.pk
    assert found[0].score >= SUSPICION_THRESHOLD


@pytest.mark.django_db
def test_match_finds_particle_variant_without_birth_date(noise):
    target = CitizenFactory(birth_name="Le Goff", first_names="Yann", birth_date=BIRTH)
    assert target.pk in _ids(match(IdentityQuery(birth_name="Legoff", first_names="Yann")))


@pytest.mark.django_db
def test_match_finds_married_woman_by_usage_name(noise):
    target = CitizenFactory(birth_name="Martin", usage_name="Durand", first_names="Sophie", birth_date=BIRTH)
    found = match(IdentityQuery(birth_name="Durand", first_names="Sophie", birth_date=BIRTH))
    assert _ids(found)[0] == target.pk
    assert found[0].score >= SUSPICION_THRESHOLD
    assert "Trouvé par le nom d'usage" in found[0].reasons


@pytest.mark.django_db
def test_match_finds_married_woman_by_birth_name_given_as_usage(noise):
    target = CitizenFactory(birth_name="Martin", first_names="Sophie", birth_date=BIRTH)
    found = match(IdentityQuery(birth_name="Durand", usage_name="", first_names="Sophie", birth_date=BIRTH))
    assert target.pk not in _ids(found[:1]) or found[0].score < SUSPICION_THRESHOLD
    found = match(IdentityQuery(birth_name="Martin", usage_name="Durand", first_names="Sophie", birth_date=BIRTH))
    assert _ids(found)[0] == target.pk


@pytest.mark.django_db
def test_match_finds_swapped_day_and_month(noise):
    target = CitizenFactory(birth_name="Gauthier", first_names="Luc", birth_date=datetime.date(1984, 3, 7))
    found = match(IdentityQuery(birth_name="Gauthier", first_names="Luc", birth_date=datetime.date(1984, 7, 3)))
    hit = _find(found, target)
    assert hit is not None and hit.score >= SUSPICION_THRESHOLD
    assert any(r.startswith("Jour et mois de naissance inversés") for r in hit.reasons)


@pytest.mark.django_db
def test_match_finds_one_wrong_digit_in_birth_date(noise):
    target = CitizenFactory(birth_name="Gauthier", first_names="Luc", birth_date=datetime.date(1984, 3, 7))
    found = match(IdentityQuery(birth_name="Gauthier", first_names="Luc", birth_date=datetime.date(1985, 3, 7)))
    hit = _find(found, target)
    assert hit is not None and hit.score >= SUSPICION_THRESHOLD
    assert any(r.startswith("Date de naissance à un chiffre près") for r in hit.reasons)


@pytest.mark.django_db
def test_match_finds_typo_in_name_and_wrong_digit_in_date(noise):
    target = CitizenFactory(birth_name="Dupont", first_names="Jean", birth_date=datetime.date(1984, 3, 7))
    found = match(IdentityQuery(birth_name="Dupond", first_names="Jean", birth_date=datetime.date(1984, 3, 8)))
    hit = _find(found, target)
    assert hit is not None and hit.score >= SUSPICION_THRESHOLD


@pytest.mark.django_db
def test_match_finds_typo_in_name_without_birth_date(noise):
    target = CitizenFactory(birth_name="Dupont", first_names="Jean", birth_date=BIRTH)
    found = match(IdentityQuery(birth_name="Dupond", first_names="Jean"))
    assert _ids(found)[0] == target.pk


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Jean", "Jean Pierre", "Jean-Pierre, Louis"])
def test_match_accepts_partial_or_differently_written_compound_first_names(noise, typed):
    target = CitizenFactory(birth_name="Dupont", first_names="Jean-Pierre", birth_date=BIRTH)
    found = match(IdentityQuery(birth_name="Dupont", first_names=typed, birth_date=BIRTH))
    assert _ids(found)[0] == target.pk
    assert found[0].score >= SUSPICION_THRESHOLD


@pytest.mark.django_db
def test_match_finds_same_nir_whatever_the_rest(noise):
    target = CitizenFactory(birth_name="Kerjean", first_names="Anne", birth_date=BIRTH, nir="284037511500247")
    found = match(IdentityQuery(birth_name="Quéré", first_names="Annick", nir="2 84 03 75 115 002 47"))
    hit = _find(found, target)
    assert hit is not None and hit.score >= SUSPICION_THRESHOLD
    assert hit.reasons[0] == "Même NIR"


@pytest.mark.django_db
def test_match_excludes_merged_citizens_and_excluded_ids(noise):
    kept = CitizenFactory(birth_name="Lemoine", first_names="Éric", birth_date=BIRTH)
    CitizenFactory(
        birth_name="Lemoine", first_names="Eric", birth_date=BIRTH, status=Citizen.Status.MERGED, merged_into=kept
    )
    query = IdentityQuery(birth_name="Lemoine", first_names="Eric", birth_date=BIRTH)
    assert _ids(match(query)) == [kept.pk]
    assert match(query, exclude_ids=[kept.pk]) == []


@pytest.mark.django_db
def test_match_results_are_best_first_and_limited(noise):
    best = CitizenFactory(birth_name="Rolland", first_names="Jeanne", birth_date=BIRTH)
    close = CitizenFactory(birth_name="Rolland", first_names="Jeanne", birth_date=datetime.date(1984, 3, 9))
    found = match(IdentityQuery(birth_name="Rolland", first_names="Jeanne", birth_date=BIRTH), limit=1)
    assert _ids(found) == [best.pk]
    found = match(IdentityQuery(birth_name="Rolland", first_names="Jeanne", birth_date=BIRTH))
    assert _ids(found)[:2] == [best.pk, close.pk]
    assert found[0].score > found[1].score


@pytest.mark.django_db
def test_match_with_nothing_to_look_up_returns_nothing(noise):
    assert match(IdentityQuery()) == []


@pytest.mark.django_db
def test_identity_query_from_citizen_uses_current_address():
    citizen = CitizenFactory(birth_name="Roux", first_names="Léo", birth_date=BIRTH)
    AddressFactory(citizen=citizen, line1="1 rue Ancienne", postcode="35400", end_date=datetime.date(2020, 1, 1))
    AddressFactory(citizen=citizen, line1="2 rue Neuve", postcode="35000", city="Rennes")
    query = IdentityQuery.from_citizen(citizen)
    assert (query.address, query.postcode, query.city) == ("2 rue Neuve", "35000", "Rennes")
    prefetched = Citizen.objects.prefetch_related("addresses").get(pk=citizen.pk)
    assert IdentityQuery.from_citizen(prefetched).address == "2 rue Neuve"


@pytest.fixture
def many_citizens(db):
    """20,000 synthetic citizens, analysed, so the planner chooses as it would on a real base."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO grc_citizen (birth_name, usage_name, first_names, birth_date, birth_place, birth_place_code,
                birth_country, sex, nir, assurance_level, status, created_at, updated_at, norm_birth_name,
                norm_usage_name, norm_first_names, search_name, search_phonetic)
            SELECT 'NOM' || (g % 5000), '', 'PRENOM' || (g % 300), DATE '1930-01-01' + (g % 30000), '', '', '',
                'X', '', 1, 'active', now(), now(), 'NOM' || (g % 5000), '', 'PRENOM' || (g % 300),
                'NOM' || (g % 5000) || ' PRENOM' || (g % 300), 'NOM' || (g % 5000) || ' PRENOM' || (g % 300)
            FROM generate_series(1, 20000) g
            """
        )
        cursor.execute("ANALYZE grc_citizen")


def _plan(sql, params) -> list[str]:
    with transaction.atomic(), connection.cursor() as cursor:
        # 20,000 rows are still few: price table scans out, then check that every scan has an index condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        # At this size a whole read of the (birth_date) INCLUDE (search_name) index also looks cheap;
        # at a million rows the planner takes the indexes named (checked with the bench).
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_match_retrieval_is_served_by_indexes_never_a_table_scan(many_citizens):
    query = IdentityQuery(
        birth_name="Le Goff", usage_name="Durand", first_names="Yann", birth_date=BIRTH, nir="184037511500247"
    )
    sql, params = _retrieval_sql(query=query, profile=_query_profile(query), exclude_ids=[1], name_ids=[2, 3])
    lines = _plan(sql, params)
    plan = "\n".join(lines)
    assert "Seq Scan on grc_citizen" not in plan
    for index in ["citizen_birth_date", "citizen_birthname_", "citizen_usagename_", "citizen_nir"]:
        assert index in plan
    for i, line in enumerate(lines):
        if "Index Scan" in line or "Index Only Scan" in line:
            assert "Index Cond" in lines[i + 1], f"whole-index scan: {line}"


# --- search_citizens ------------------------------------------------------------------------------


@pytest.fixture
def people(noise):
    return {
        "dupont": CitizenFactory(birth_name="Dupont", first_names="Jean, Louis", birth_date=BIRTH),
        "dupont_other": CitizenFactory(birth_name="Dupont", first_names="Marc", birth_date=datetime.date(1970, 5, 2)),
        "married": CitizenFactory(birth_name="Martin", usage_name="Le Gall", first_names="Sophie", birth_date=BIRTH),
    }


@pytest.mark.django_db
def test_search_finds_misspelled_name_best_first(people):
    hits = search_citizens(query="dupond jean")
    assert hits[0].citizen == people["dupont"]
    assert hits[0].score > hits[-1].score or len(hits) == 1


@pytest.mark.django_db
def test_search_finds_accented_particle_name_written_glued(people):
    assert people["married"] in [h.citizen for h in search_citizens(query="LEGALL sophie")]


@pytest.mark.django_db
def test_search_finds_by_usage_name_and_by_birth_name(people):
    assert people["married"] in [h.citizen for h in search_citizens(query="le gall")]
    assert people["married"] in [h.citizen for h in search_citizens(query="martin sophie")]


@pytest.mark.django_db
def test_search_by_birth_date_alone(people):
    citizens = [h.citizen for h in search_citizens(birth_date=BIRTH)]
    assert set(citizens) == {people["dupont"], people["married"]}


@pytest.mark.django_db
def test_search_by_name_and_birth_date(people):
    citizens = [h.citizen for h in search_citizens(query="dupon", birth_date=BIRTH)]
    assert citizens == [people["dupont"]]


@pytest.mark.django_db
def test_search_hides_merged_citizens_unless_asked(people):
    merged = CitizenFactory(
        birth_name="Dupont",
        first_names="Jean",
        birth_date=BIRTH,
        status=Citizen.Status.MERGED,
        merged_into=people["dupont"],
    )
    assert merged not in [h.citizen for h in search_citizens(query="dupont jean")]
    assert merged in [h.citizen for h in search_citizens(query="dupont jean", include_merged=True)]


@pytest.mark.django_db
def test_search_prefetches_addresses(people, django_assert_num_queries):
    AddressFactory(citizen=people["dupont"])
    # The lexicon, the name probe, the citizens, their addresses; no query per hit.
    with django_assert_num_queries(4):
        hits = search_citizens(query="dupont jean")
    with django_assert_num_queries(0):
        assert [a.postcode for h in hits for a in h.citizen.addresses.all()]


@pytest.mark.django_db
def test_search_with_nothing_returns_nothing(people):
    assert search_citizens() == []
    assert search_citizens(query="  - ' ") == []


# --- phonetic keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spellings",
    [
        ("LEFEBVRE", "LEFEVRE", "LEFAIVRE"),
        ("MARYVONNE", "MARIVONNE", "MARIVONE"),
        ("PHILIPPE", "FILIPE", "FILIP"),
        ("GAUTHIER", "GAUTIER", "GOTHIER", "GOTIER"),
        # The L of -AULT and a final D or T are silent: RENAULT, RENAUD and RENO sound the same.
        ("RENAULT", "RENAUD", "RENO"),
        ("CHRISTOPHE", "KRISTOF"),
        ("ROUSSEAU", "ROUSSO", "ROUSSEAUX"),
        ("DUPONT", "DUPOND", "DUPON"),
        ("LAURENT", "LORAN"),
        ("GEORGES", "GEORGE", "JORGE"),
        ("DENISE", "DENIZE"),
        ("BAPTISTE", "BATISTE"),
    ],
)
def test_names_that_sound_alike_have_the_same_phonetic_key(spellings):
    assert len({phonetic(fold(s)) for s in spellings}) == 1, [phonetic(fold(s)) for s in spellings]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("MARTIN", "MARTINEZ"),
        ("MARTIN", "MARTINE"),
        ("LEROY", "LEROUX"),
        ("JEAN", "JEANNE"),
        ("DENIS", "DENISE"),
        ("SIMON", "SIMONE"),
        ("BOUCHER", "BOUCHE"),
        ("ALICE", "ALI"),
        ("ROUSSEAU", "ROUSSEL"),
    ],
)
def test_names_that_sound_different_have_different_phonetic_keys(one, other):
    assert phonetic(one) != phonetic(other)


def test_normalised_fields_search_phonetic_follows_search_name_word_by_word():
    fields = normalised_fields(birth_name="Le Fèbvre", usage_name="Rousseau", first_names="Maryvonne, Philippe")
    assert fields["search_name"] == "FEBVRE ROUSSEAU MARYVONNE PHILIPPE"
    assert fields["search_phonetic"] == "FEVR RUSO MARIVON FILIP"
    assert normalised_fields(birth_name="", usage_name="", first_names="")["search_phonetic"] == ""


@pytest.mark.django_db
def test_compare_takes_a_sound_alike_family_name_as_close():
    a = CitizenFactory(birth_name="Rousseau", first_names="Christophe", birth_date=BIRTH)
    b = CitizenFactory(birth_name="Rousso", first_names="Christophe", birth_date=BIRTH)
    assert compare(a, b).score >= SUSPICION_THRESHOLD
    assert "Nom de naissance proche (ROUSSEAU / ROUSSO)" in compare(a, b).reasons


@pytest.fixture
def heard(noise):
    return {
        "lefebvre": CitizenFactory(birth_name="Lefebvre", first_names="Maryvonne", birth_date=BIRTH),
        "gauthier": CitizenFactory(birth_name="Gauthier", first_names="Philippe", birth_date=BIRTH),
        "rousseau": CitizenFactory(birth_name="Rousseau", first_names="Christophe", birth_date=BIRTH),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("Lefevre Marivonne", "lefebvre"),
        ("Gotier Filip", "gauthier"),
        ("Kristof Rousso", "rousseau"),
    ],
)
def test_search_finds_a_name_typed_as_heard(heard, typed, who):
    assert search_citizens(query=typed)[0].citizen == heard[who]


@pytest.mark.django_db
def test_search_ranks_the_exact_spelling_before_a_sound_alike(heard):
    exact = CitizenFactory(birth_name="Lefevre", first_names="Marivonne", birth_date=datetime.date(1960, 1, 1))
    hits = search_citizens(query="Lefevre Marivonne")
    assert [h.citizen for h in hits[:2]] == [exact, heard["lefebvre"]]
    assert hits[0].score > hits[1].score


@pytest.mark.django_db
def test_search_with_a_birth_date_finds_a_sound_alike(heard):
    assert [h.citizen for h in search_citizens(query="Gotier", birth_date=BIRTH)][:1] == [heard["gauthier"]]


@pytest.mark.django_db
def test_name_probe_is_served_by_the_lexicon_and_the_name_words_index(many_citizens):
    # The trigger filled the lexicon from the rows inserted by the fixture.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM grc_name_word WHERE word IN ('NOM123', 'PRENOM12')")
        assert cursor.fetchone()[0] == 2
    params = {"cap": 200, "exclude": [0], "m0": ["NOM123", "NOM124"], "e0": ["NOM123"]}
    params.update(m1=["PRENOM12"], e1=["PRENOM12"], all=["NOM123", "NOM124", "PRENOM12"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + _probe_sql([[0, 1]], status="AND status = 'active'", scan_cap=4000), params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on grc_citizen" not in plan
    assert "citizen_name_words" in plan
