import pytest

from dossier_unique import selectors, services
from dossier_unique.models import Note, Programme, SocialFile, TimelineEntry, Visibility
from grc.models import Membership
from grc.services.merge import citizen_merge, merge_undo
from tests.dossier_unique.factories import open_file, pdf_upload
from tests.factories import CitizenFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return MembershipFactory(role=Membership.Role.TEAM_MANAGER).user


def visible_ids(user):
    return set(selectors.files_for(user=user).values_list("pk", flat=True))


def timeline_of(citizen):
    return set(TimelineEntry.objects.filter(citizen=citizen).exclude(kind="merge").values_list("pk", flat=True))


def test_merge_moves_the_losers_content_into_the_survivors_file_and_undo_restores_it(
    manager, team_a, team_b, worker_a, colleague_a, worker_b
):
    source, target = CitizenFactory(), CitizenFactory()
    source_file, source_acc = open_file(citizen=source, team=team_a, actor=worker_a, referent=worker_a)
    target_file, _ = open_file(citizen=target, team=team_b, actor=worker_b, programme=Programme.RSA)
    note = services.note_write(
        file=source_file,
        author=worker_a,
        text="Entretien",
        kind=Note.Kind.ENTRETIEN,
        visibility=Visibility.TEAM,
        accompaniment=source_acc,
    )
    document = services.document_add(file=source_file, upload=pdf_upload(), actor=worker_a, doc_type="autre")
    source_entries, target_entries = timeline_of(source), timeline_of(target)

    merge = citizen_merge(source=source, target=target, actor=manager, reason="doublon")

    assert set(target_file.accompaniments.values_list("pk", flat=True)) >= {source_acc.pk}
    note.refresh_from_db()
    document.refresh_from_db()
    assert note.file == target_file and document.file == target_file
    assert timeline_of(target) == source_entries | target_entries
    assert not TimelineEntry.objects.filter(citizen=source).exists()
    assert TimelineEntry.objects.filter(citizen=target, kind="merge").count() == 1
    # Access follows the content: team A now follows the survivor's file, nobody the emptied one.
    assert visible_ids(colleague_a) == {target_file.pk}
    assert visible_ids(worker_b) == {target_file.pk}
    assert list(selectors.notes_for(user=colleague_a, file=target_file)) == [note]
    assert list(selectors.notes_for(user=worker_b, file=target_file)) == []
    assert SocialFile.objects.get(citizen=source) == source_file

    merge_undo(merge=merge, actor=manager, reason="deux personnes différentes")

    note.refresh_from_db()
    document.refresh_from_db()
    assert note.file == source_file and document.file == source_file
    assert timeline_of(source) == source_entries
    assert timeline_of(target) == target_entries
    assert visible_ids(colleague_a) == {source_file.pk}
    assert visible_ids(worker_b) == {target_file.pk}
    history = note.history.order_by("history_date")
    assert [h.history_user for h in history] == [worker_a, manager, manager]


def test_merge_moves_the_whole_file_when_the_survivor_has_none(manager, team_a, worker_a, colleague_a):
    source, target = CitizenFactory(), CitizenFactory()
    file, _ = open_file(citizen=source, team=team_a, actor=worker_a)
    entries = timeline_of(source)

    merge = citizen_merge(source=source, target=target, actor=manager, reason="doublon")

    file.refresh_from_db()
    assert file.citizen == target
    assert timeline_of(target) == entries
    assert visible_ids(colleague_a) == {file.pk}
    assert {e.citizen_id for e in selectors.timeline_for(user=colleague_a, file=file)} == {target.pk}

    merge_undo(merge=merge, actor=manager, reason="erreur")

    file.refresh_from_db()
    assert file.citizen == source
    assert timeline_of(source) == entries
    assert not SocialFile.objects.filter(citizen=target).exists()
    assert file.history.first().history_user == manager


def test_merge_without_social_files_changes_nothing_here(manager):
    source, target = CitizenFactory(), CitizenFactory()
    citizen_merge(source=source, target=target, actor=manager, reason="doublon")
    assert not TimelineEntry.objects.exists()
