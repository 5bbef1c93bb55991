"""The lexicon of name words (grc_name_word) lists only words some citizen carries: a rename, an erasure or
a deletion removes the words nobody carries any more (a trigger on grc_citizen), a word still carried by
another citizen (or by a merged record) stays, and a citizen written at the same time keeps its word."""

import threading

import pytest
from django.db import connection, connections, transaction

from grc.matching.find import citizen_find
from grc.models import Citizen
from grc.services.citizens import citizen_update
from privacy.retention.anonymise import citizen_anonymise
from tests.api_http.conftest import FLUSHABLE_APPS
from tests.factories import CitizenFactory, UserFactory


def _listed(*words: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM grc_name_word WHERE word = ANY(%s)", [list(words)])
        return {word for (word,) in cursor.fetchall()}


@pytest.mark.django_db
def test_a_rename_removes_the_words_nobody_carries_and_keeps_the_others():
    agent = UserFactory(staff=True)
    rare = CitizenFactory(birth_name="Quelennec", first_names="Gwenola")
    CitizenFactory(birth_name="Quelennec", first_names="Erwan")
    alone = CitizenFactory(birth_name="Kervarrec", first_names="Tugdual")
    assert _listed("QUELENNEC", "KERVARREC", "TUGDUAL", "GWENOLA") == {"QUELENNEC", "KERVARREC", "TUGDUAL", "GWENOLA"}

    citizen_update(citizen=alone, actor=agent, reason="erreur de saisie", birth_name="Kervarec")
    citizen_update(citizen=rare, actor=agent, reason="erreur de saisie", first_names="Gwenaëlle")

    # KERVARREC and GWENOLA were carried by nobody else; QUELENNEC and TUGDUAL still are.
    assert _listed("KERVARREC", "KERVAREC", "GWENOLA", "GWENAELLE", "QUELENNEC", "TUGDUAL") == {
        "KERVAREC",
        "GWENAELLE",
        "QUELENNEC",
        "TUGDUAL",
    }
    # A misspelling of the old name finds the renamed person through the new word, not the old one.
    assert [f.citizen_id for f in citizen_find(query="kervarrec tugdual")] == [alone.pk]


@pytest.mark.django_db
def test_an_erasure_and_a_deletion_take_the_name_out_of_the_lexicon():
    agent = UserFactory(staff=True)
    erased = CitizenFactory(birth_name="Ploumanac'h", first_names="Rozenn")
    deleted = CitizenFactory(birth_name="Tregastelec", first_names="Yannig")
    survivor = CitizenFactory(birth_name="Morvan", first_names="Louis")
    merged = CitizenFactory(
        birth_name="Morvannou", first_names="Loeiz", status=Citizen.Status.MERGED, merged_into=survivor
    )
    assert _listed("PLOUMANAC", "ROZENN", "TREGASTELEC", "YANNIG") == {"PLOUMANAC", "ROZENN", "TREGASTELEC", "YANNIG"}

    citizen_anonymise(citizen=erased, actor=agent, reason="droit à l'effacement", refresh_search=False)
    Citizen.objects.filter(pk=deleted.pk).delete()

    assert _listed("PLOUMANAC", "ROZENN", "TREGASTELEC", "YANNIG") == set()
    assert citizen_find(query="ploumanach rozenn") == []
    # A merged record keeps its names: it can still be looked up (include_merged), so its words stay.
    assert _listed("MORVANNOU", "LOEIZ") == {"MORVANNOU", "LOEIZ"}
    assert [f.citizen_id for f in citizen_find(query="morvanou loeiz", include_merged=True)] == [merged.pk]


@pytest.mark.timed_waits
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_a_word_written_while_its_last_bearer_is_renamed_stays_listed():
    """A new citizen carrying KERGUELEN is being saved (not committed) while the last other bearer is renamed:
    the purge waits for that transaction and then sees the new bearer, so KERGUELEN stays listed."""
    agent = UserFactory(staff=True)
    last = CitizenFactory(birth_name="Kerguelen", first_names="Anne")
    inserted, renaming_started, rename_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def insert_and_hold():
        try:
            with transaction.atomic():
                CitizenFactory(birth_name="Kerguelen", first_names="Youenn")
                inserted.set()
                renaming_started.wait(10)
                # The rename is blocked on this transaction's lock: it has not finished.
                assert not rename_done.wait(1)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    def rename():
        try:
            inserted.wait(10)
            renaming_started.set()
            citizen_update(citizen=Citizen.objects.get(pk=last.pk), actor=agent, birth_name="Kerguelenn")
            rename_done.set()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=insert_and_hold), threading.Thread(target=rename)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert rename_done.is_set()
    assert _listed("KERGUELEN", "KERGUELENN") == {"KERGUELEN", "KERGUELENN"}
