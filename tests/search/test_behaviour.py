"""One behaviour suite for every backend (see ``conftest.BACKENDS``): what agents notice."""

import pytest
from django.core.management import call_command

from grc.audit.models import AccessLog
from grc.services.merge import citizen_merge
from search.service import search_for
from tests.factories import CitizenFactory, MembershipFactory

pytestmark = pytest.mark.django_db

QUERIES_PER_SEARCH = 5


def keys(results):
    return [(h.kind, h.object_id) for h in results.hits]


def found(world, user, q, **kwargs):
    return keys(search_for(user=user, q=q, log=False, **kwargs))


TYPED_NAMES = [
    "le goff jean-pierre",  # as written
    "Le Gof Jean-Piere",  # two typos
    "legoff",  # particle glued
    "goff jean pierre",  # particle dropped
    "LE GOFF JEAN PIERRE",
    "lgoff jean",  # a letter missing
]


def test_typos_particles_accents_and_usage_names_find_the_person(world):
    for typed in TYPED_NAMES:
        assert ("citizen", world.le_goff.pk) in found(world, world.worker_b, typed)[:3], typed
    for typed in ("helene dupont", "Hélène Martin", "martin helene", "HELENE DUPONT-MARTIN"):
        assert found(world, world.worker_b, typed)[0] == ("citizen", world.helene.pk), typed


def test_swapped_letters_in_a_short_name_and_a_new_name_word(world, django_capture_on_commit_callbacks):
    # trigrams miss "moerau" for "MOREAU" (3 trigrams shared of 11); the lexicon's one-typo keys do not,
    # and a name indexed after the lexicon was built is in it
    with django_capture_on_commit_callbacks(execute=True):
        moreau = CitizenFactory(birth_name="Moreau", first_names="Alphonse")
    for typed in ("moerau alphonse", "moreau alphnose", "MOREAU"):
        assert ("citizen", moreau.pk) in found(world, world.worker_b, typed)[:3], typed


def test_accented_stop_word_does_not_narrow_a_phrase(world):
    # "à" reaches the stemmer as "a" once unaccented: it must not become a required lexeme
    assert ("mail", world.letter.pk) in found(world, world.worker_a, "coupure à l'électricité")


def test_name_and_birth_date_typed_as_agents_do(world):
    homonym = CitizenFactory(birth_name="Le Goff", first_names="Jean-Pierre", birth_date="1960-01-01")
    results = search_for(user=world.worker_a, q="le goff 12/03/1985", log=False)
    # the person and their file (worker_a follows it) first; the homonym born another day is not found
    assert set(keys(results)[:2]) == {("citizen", world.le_goff.pk), ("file", world.file_a.pk)}
    assert ("citizen", homonym.pk) not in keys(results)


EXACT = [
    ("D-2026-7K3M9Q", "request"),
    ("d-2026-7k3m9q", "request"),
    ("2026-C-000123", "letter"),
    ("1 85 03 35 238 123 45", "le_goff"),  # NIR with key, spaced
    ("1850335238123", "le_goff"),  # NIR without key
    ("06.12.34.56.78", "le_goff"),
    ("+33 6 12 34 56 78", "le_goff"),
]


def test_exact_identifiers_come_first(world):
    for typed, attr in EXACT:
        first = search_for(user=world.worker_a, q=typed, log=False).hits[0]
        assert (first.object_id, first.exact) == (getattr(world, attr).pk, True), typed


def test_exact_code_ranks_before_text_that_mentions_it(world):
    # the letter mentions the request's tracking code in its text: the request itself still comes first
    world.letter.ocr_text += " Référence de ma demande : D-2026-7K3M9Q."
    world.letter.save()
    from search.indexing import refresh

    refresh("mail", [world.letter.pk])
    results = search_for(user=world.worker_a, q="D-2026-7K3M9Q", log=False)
    assert keys(results)[0] == ("request", world.request.pk)


def test_phrase_from_a_letter_and_answers_with_highlight(world):
    results = search_for(user=world.worker_a, q="coupure d'electricite", log=False)
    assert ("mail", world.letter.pk) in keys(results)
    hit = next(h for h in results.hits if h.kind == "mail")
    assert "<mark>" in hit.highlight and "coupure" in hit.highlight.lower()
    assert ("request", world.request.pk) in found(world, world.worker_a, "facture impayée")


def test_highlight_is_escaped(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.letter.ocr_text = "<script>alert(1)</script> coupure imminente"
        world.letter.save()
    hit = search_for(user=world.worker_a, q="coupure imminente", log=False).hits[0]
    assert "<mark>coupure</mark>" in hit.highlight and "<script" not in hit.highlight


def test_snippet_markers_become_marks_and_the_rest_is_escaped():
    from search.query import MARK_END, MARK_START, safe_highlight

    assert safe_highlight(f"{MARK_START}loyer{MARK_END} <b>&") == "<mark>loyer</mark> &lt;b&gt;&amp;"


def test_colleague_from_another_cdas_sees_no_file_nor_note_nor_counts(world):
    # the identity is Département-wide: worker_b finds the person...
    results = search_for(user=world.worker_b, q="le goff jean-pierre", log=False)
    assert ("citizen", world.le_goff.pk) in keys(results)
    # ...but not the file team A follows, its notes, its request or its letter, not even as a count
    assert {h.kind for h in results.hits} == {"citizen"}
    assert set(results.facets["kind"]) == {"citizen"}
    for q in ("caisse d'allocations familiales", "violences conjugales", "alcool", "coupure", "D-2026-7K3M9Q"):
        results = search_for(user=world.worker_b, q=q, log=False)
        assert results.total == 0 and results.hits == [], q
        assert not results.facets["kind"] and not results.facets["programme"], q
    # and team A does not see team B's file nor its note
    assert found(world, world.worker_a, "expulsion locative") == []
    assert ("note", world.note_b.pk) in found(world, world.worker_b, "expulsion locative")


def test_note_visibility_team_and_private(world):
    assert ("note", world.note_team.pk) in found(world, world.colleague_a, "violences conjugales")
    assert ("note", world.note_file.pk) in found(world, world.colleague_a, "allocations familiales")
    # a private note: its author only, even for a colleague of the same team
    assert found(world, world.colleague_a, "alcool conjoint") == []
    assert search_for(user=world.colleague_a, q="alcool", log=False).facets["kind"] == {}
    assert ("note", world.note_private.pk) in found(world, world.worker_a, "alcool conjoint")


def test_access_ends_with_the_accompaniment(world, django_capture_on_commit_callbacks):
    from dossier_unique import services as dsu

    with django_capture_on_commit_callbacks(execute=True):
        dsu.accompaniment_close(accompaniment=world.acc_a, actor=world.worker_a, reason="Fin du suivi")
    assert ("file", world.file_a.pk) not in found(world, world.colleague_a, "le goff")
    assert found(world, world.colleague_a, "violences conjugales") == []


def test_mailroom_agent_sees_letters_not_files(world):
    assert ("mail", world.letter.pk) in found(world, world.mailroom, "coupure")
    assert found(world, world.mailroom, "violences conjugales") == []
    assert found(world, world.mailroom, "D-2026-7K3M9Q") == []


def test_facets_count_what_the_user_may_see(world):
    results = search_for(user=world.worker_a, q="le goff", log=False)
    assert results.facets["kind"]["citizen"] == 1
    assert results.facets["kind"]["file"] == 1
    # the file and its three notes (worker_a wrote the private one); a colleague has one fewer
    assert results.facets["programme"] == {"pmi": 4}
    assert search_for(user=world.colleague_a, q="le goff", log=False).facets["programme"] == {"pmi": 3}
    assert search_for(user=world.worker_b, q="le goff", log=False).facets["programme"] == {}
    only_files = search_for(user=world.worker_a, q="le goff", kinds=["file"], log=False)
    assert keys(only_files) == [("file", world.file_a.pk)] and only_files.total == 1


def test_merged_citizen_appears_once_as_the_survivor(world, django_capture_on_commit_callbacks):
    manager = MembershipFactory(team=world.team_a, role="team_manager").user
    duplicate = CitizenFactory(birth_name="Le Goff", first_names="Jean Pierre", birth_date=world.le_goff.birth_date)
    with django_capture_on_commit_callbacks(execute=True):
        duplicate.save()
    assert [k for k in found(world, world.worker_a, "le goff jean pierre") if k[0] == "citizen"][:2] == [
        ("citizen", world.le_goff.pk),
        ("citizen", duplicate.pk),
    ] or len([k for k in found(world, world.worker_a, "le goff jean pierre") if k[0] == "citizen"]) == 2
    with django_capture_on_commit_callbacks(execute=True):
        citizen_merge(source=duplicate, target=world.le_goff, actor=manager, reason="doublon")
    citizens = [k for k in found(world, world.worker_a, "le goff jean pierre") if k[0] == "citizen"]
    assert citizens == [("citizen", world.le_goff.pk)]


def test_deleting_removes_from_the_index(world, django_capture_on_commit_callbacks):
    request_pk = world.request.pk
    with django_capture_on_commit_callbacks(execute=True):
        world.request.delete()
        world.le_goff.contact_points.all().delete()
    assert found(world, world.worker_a, "D-2026-7K3M9Q") == []
    assert found(world, world.worker_a, "0612345678") == []
    assert world.backend.count("request") == 0 and request_pk


def test_search_is_logged_without_its_text(world):
    search_for(user=world.worker_a, q="le goff 12/03/1985")
    row = AccessLog.objects.filter(action=AccessLog.Action.SEARCH_QUERY).latest("pk")
    assert row.actor == world.worker_a
    stored = f"{row.object_id} {row.purpose} {row.object_type}".lower()
    assert "goff" not in stored and "1985" not in stored
    assert "résultat" in row.purpose and len(row.object_id) == 32


def test_reindex_is_resumable_and_check_compares_counts(world, capsys):
    backend = world.backend
    backend.delete("citizen", [world.le_goff.pk, world.helene.pk, world.redon.pk])
    with pytest.raises(SystemExit):
        call_command("search_check")
    assert "ÉCART" in capsys.readouterr().out
    call_command("search_reindex", kind=["citizen"], batch=1, limit=1, no_progress=True)
    out = capsys.readouterr().out
    assert "reprise possible" in out and backend.count("citizen") == 1
    call_command("search_reindex", kind=["citizen"], batch=1, no_progress=True)
    out = capsys.readouterr().out
    assert "reprise après" in out and backend.count("citizen") == 3
    call_command("search_reindex", no_progress=True)
    assert "documents/s" in capsys.readouterr().out
    call_command("search_check")
    assert "ÉCART" not in capsys.readouterr().out


def test_query_counts_are_pinned(world, django_assert_num_queries):
    user = world.worker_a
    search_for(user=user, q="warm-up", log=False)  # memberships and roles cached on the user object afterwards
    # trigram thresholds + the search + the page's snippets (+ savepoint pair); citizens among the kinds: the
    # citizen finder's lexicon and name probe before (grc.matching.find)
    with django_assert_num_queries(QUERIES_PER_SEARCH + 2):
        search_for(user=user, q="le goff jean-pierre", log=False)
    with django_assert_num_queries(QUERIES_PER_SEARCH):
        search_for(
            user=user, q="coupure électricité 2026-C-000123 D-2026-7K3M9Q", kinds=["mail", "request"], log=False
        )
