import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from grc.management.commands.detect_duplicates import checkpoint_path
from grc.models import Citizen, DuplicateSuspicion
from grc.services.suspicions import detect_duplicates, suspicion_dismiss, suspicion_record
from tests.factories import CitizenFactory, UserFactory

BIRTH = datetime.date(1979, 6, 4)


@pytest.fixture
def twins_of_records(db):
    """Two records of one person (typo + swapped date), one homonym, and unrelated people."""
    a = CitizenFactory(birth_name="Dupont", first_names="Jean-Marc", birth_date=BIRTH)
    b = CitizenFactory(birth_name="Dupond", first_names="Jean Marc", birth_date=datetime.date(1979, 4, 6))
    homonym = CitizenFactory(
        birth_name="Dupont", first_names="Jean-Marc", birth_date=datetime.date(1950, 12, 30), birth_place="Brest"
    )
    others = [
        CitizenFactory(birth_name=name, first_names="Anne", birth_date=datetime.date(1960 + i, 2, 10))
        for i, name in enumerate(["Lemaire", "Renaud", "Collin"])
    ]
    return a, b, homonym, others


def _pairs():
    return set(DuplicateSuspicion.objects.values_list("citizen_a_id", "citizen_b_id"))


@pytest.mark.django_db
def test_suspicion_record_orders_the_pair():
    a, b = CitizenFactory(), CitizenFactory()
    suspicion = suspicion_record(a=b, b=a, score=0.9, reasons=["Même date de naissance"])
    assert (suspicion.citizen_a_id, suspicion.citizen_b_id) == (a.pk, b.pk)
    assert suspicion.status == DuplicateSuspicion.Status.OPEN


@pytest.mark.django_db
def test_suspicion_record_refreshes_an_open_pair_without_duplicating_it():
    a, b = CitizenFactory(), CitizenFactory()
    first = suspicion_record(a=a, b=b, score=0.85, reasons=["x"])
    again = suspicion_record(a=b, b=a, score=0.9, reasons=["y"])
    assert again.pk == first.pk
    assert DuplicateSuspicion.objects.count() == 1
    again.refresh_from_db()
    assert (again.score, again.reasons) == (0.9, ["y"])


@pytest.mark.django_db
def test_suspicion_record_never_reopens_a_dismissed_pair():
    a, b = CitizenFactory(), CitizenFactory()
    suspicion = suspicion_record(a=a, b=b, score=0.85, reasons=["x"])
    suspicion_dismiss(suspicion=suspicion, actor=UserFactory(staff=True))
    assert suspicion_record(a=a, b=b, score=0.99, reasons=["y"]) is None
    suspicion.refresh_from_db()
    assert suspicion.status == DuplicateSuspicion.Status.DISMISSED
    assert suspicion.score == 0.85


@pytest.mark.django_db
def test_suspicion_record_refuses_a_citizen_with_itself():
    a = CitizenFactory()
    with pytest.raises(ValueError):
        suspicion_record(a=a, b=a, score=1.0, reasons=[])


@pytest.mark.django_db
def test_suspicion_dismiss_keeps_who_when_why_and_history():
    agent = UserFactory(staff=True)
    suspicion = suspicion_record(a=CitizenFactory(), b=CitizenFactory(), score=0.85, reasons=["x"])
    dismissed = suspicion_dismiss(suspicion=suspicion, actor=agent, note="Frères jumeaux")
    assert dismissed.status == DuplicateSuspicion.Status.DISMISSED
    assert dismissed.decided_by == agent
    assert dismissed.decided_at is not None
    assert dismissed.decision_note == "Frères jumeaux"
    assert dismissed.history.first().history_user == agent


@pytest.mark.django_db
def test_suspicion_dismiss_refuses_an_already_decided_suspicion():
    agent = UserFactory(staff=True)
    suspicion = suspicion_record(a=CitizenFactory(), b=CitizenFactory(), score=0.85, reasons=["x"])
    suspicion_dismiss(suspicion=suspicion, actor=agent)
    with pytest.raises(ValidationError):
        suspicion_dismiss(suspicion=suspicion, actor=agent)


@pytest.mark.django_db
def test_detection_stores_the_duplicate_but_not_the_homonym(twins_of_records):
    a, b, homonym, _ = twins_of_records
    report = detect_duplicates()
    assert _pairs() == {(a.pk, b.pk)}
    assert report.created == 1
    assert report.checked == 6
    suspicion = DuplicateSuspicion.objects.get()
    assert suspicion.score >= 0.8
    assert any("inversés" in reason for reason in suspicion.reasons)


@pytest.mark.django_db
def test_detection_is_idempotent(twins_of_records):
    detect_duplicates()
    report = detect_duplicates()
    assert DuplicateSuspicion.objects.count() == 1
    assert report.created == 0
    assert report.already_known == 1


@pytest.mark.django_db
def test_detection_never_raises_a_dismissed_pair_again(twins_of_records):
    detect_duplicates()
    suspicion_dismiss(suspicion=DuplicateSuspicion.objects.get(), actor=UserFactory(staff=True))
    report = detect_duplicates()
    assert report.created == 0
    assert report.dismissed_skipped == 1
    assert DuplicateSuspicion.objects.get().status == DuplicateSuspicion.Status.DISMISSED


@pytest.mark.django_db
def test_detection_skips_merged_citizens(twins_of_records):
    a, b, _, _ = twins_of_records
    Citizen.objects.filter(pk=b.pk).update(status=Citizen.Status.MERGED, merged_into=a)
    report = detect_duplicates()
    assert report.created == 0
    assert report.checked == 5


@pytest.mark.django_db
def test_detection_resumes_after_a_given_id(twins_of_records):
    a, b, _, _ = twins_of_records
    first = detect_duplicates(limit=2, batch_size=1)
    assert first.checked == 2
    assert first.last_id == b.pk
    rest = detect_duplicates(start_after_id=first.last_id)
    assert rest.checked == 4
    assert _pairs() == {(a.pk, b.pk)}


@pytest.mark.django_db
def test_detection_calls_progress_for_each_citizen(twins_of_records):
    seen = []
    detect_duplicates(progress=lambda citizen_id, report: seen.append((citizen_id, report.checked)))
    assert [checked for _, checked in seen] == [1, 2, 3, 4, 5, 6]


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_command_detects_prints_a_summary_and_stores_its_checkpoint(twins_of_records, var_dir, capsys):
    a, b, _, others = twins_of_records
    call_command("detect_duplicates", "--no-progress")
    out = capsys.readouterr().out
    assert "Usagers examinés : 6" in out
    assert "Nouvelles suspicions : 1" in out
    assert json.loads(checkpoint_path().read_text())["last_id"] == others[-1].pk
    assert _pairs() == {(a.pk, b.pk)}


@pytest.mark.django_db
def test_command_resumes_from_checkpoint_and_restarts_on_demand(twins_of_records, var_dir, capsys):
    call_command("detect_duplicates", "--no-progress", "--limit", "2")
    assert "Usagers examinés : 2" in capsys.readouterr().out
    call_command("detect_duplicates", "--no-progress")
    out = capsys.readouterr().out
    assert "Reprise après" in out
    assert "Usagers examinés : 4" in out
    call_command("detect_duplicates", "--no-progress")
    assert "Usagers examinés : 0" in capsys.readouterr().out
    call_command("detect_duplicates", "--no-progress", "--restart")
    out = capsys.readouterr().out
    assert "Usagers examinés : 6" in out
    assert "Nouvelles suspicions : 0" in out
    assert DuplicateSuspicion.objects.count() == 1


@pytest.mark.django_db
def test_command_does_not_raise_dismissed_pairs(twins_of_records, var_dir, capsys):
    call_command("detect_duplicates", "--no-progress")
    suspicion_dismiss(suspicion=DuplicateSuspicion.objects.get(), actor=UserFactory(staff=True))
    call_command("detect_duplicates", "--no-progress", "--restart")
    out = capsys.readouterr().out
    assert "Nouvelles suspicions : 0" in out
    assert "ignorées : 1" in out
    assert DuplicateSuspicion.objects.get().status == DuplicateSuspicion.Status.DISMISSED


@pytest.mark.django_db
def test_detection_finds_misspelled_duplicate_with_one_wrong_digit_in_birth_date(db):
    a = CitizenFactory(birth_name="Guillou", first_names="Maëlle", birth_date=datetime.date(1991, 8, 14))
    b = CitizenFactory(birth_name="Guilou", first_names="Maelle", birth_date=datetime.date(1991, 8, 19))
    detect_duplicates()
    assert _pairs() == {(a.pk, b.pk)}


@pytest.mark.django_db
def test_detection_finds_duplicate_without_birth_date(db):
    a = CitizenFactory(birth_name="Le Bihan", first_names="Erwan", birth_date=None, birth_place="")
    b = CitizenFactory(birth_name="LEBIHAN", first_names="Erwan, Yves", birth_date=datetime.date(1970, 1, 2))
    detect_duplicates()
    assert _pairs() == {(a.pk, b.pk)}


def test_checkpoints_are_kept_per_database(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    assert checkpoint_path().parent == tmp_path
    assert "test_" in checkpoint_path().name or "grc" in checkpoint_path().name
