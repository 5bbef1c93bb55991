import pytest
from django.db import transaction

from dossier_unique import selectors, services
from dossier_unique.models import Note, Programme, TimelineEntry, Visibility
from dossier_unique.services import accompaniments
from dossier_unique.timeline import registered_sources
from grc.audit.models import AccessLog
from tests.dossier_unique.factories import TimelineEntryFactory, open_file, pdf_upload
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_each_service_writes_its_timeline_entry(followed, worker_a):
    file, accompaniment = followed
    services.note_write(file=file, author=worker_a, text="RDV", kind=Note.Kind.APPEL, visibility=Visibility.FILE)
    services.document_add(file=file, upload=pdf_upload(), actor=worker_a, doc_type="ressources")
    services.accompaniment_close(accompaniment=accompaniment, reason="Fin", actor=worker_a)
    kinds = list(TimelineEntry.objects.filter(citizen=file.citizen).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["accompaniment_opened", "note", "document_added", "accompaniment_closed"]
    note_entry = TimelineEntry.objects.get(kind="note")
    assert note_entry.title == "Appel téléphonique"  # no note text in the timeline
    assert note_entry.author == worker_a


def test_a_failing_service_writes_no_timeline_entry(followed, worker_a):
    file, _ = followed
    before = TimelineEntry.objects.count()
    with pytest.raises(Boom), transaction.atomic():
        services.note_write(file=file, author=worker_a, text="RDV", kind=Note.Kind.APPEL, visibility=Visibility.FILE)
        raise Boom
    assert TimelineEntry.objects.count() == before
    assert not Note.objects.exists()


def test_a_service_failing_after_its_write_leaves_nothing(citizen, team_a, worker_a, monkeypatch):
    file = services.social_file_get_or_create(citizen=citizen, actor=worker_a)

    def explode(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(accompaniments, "team_group_sync", explode)
    with pytest.raises(Boom):
        services.accompaniment_open(file=file, programme=Programme.RSA, team=team_a, actor=worker_a)
    assert not TimelineEntry.objects.exists()
    assert not file.accompaniments.exists()


def test_timeline_filters_by_visibility(followed, worker_a, colleague_a, worker_b, team_a):
    file, accompaniment = followed
    for visibility in (Visibility.FILE, Visibility.TEAM, Visibility.PRIVATE):
        services.note_write(
            file=file,
            author=worker_a,
            text="x",
            kind=Note.Kind.OBSERVATION,
            visibility=visibility,
            accompaniment=accompaniment,
        )
    services.member_add(file=file, user=worker_b, role="Conseillère ESF", actor=worker_a)

    def seen(user):
        return list(selectors.timeline_for(user=user, file=file, kind="note").values_list("visibility", flat=True))

    assert sorted(seen(worker_a)) == ["file", "private", "team"]
    assert sorted(seen(colleague_a)) == ["file", "team"]
    assert seen(worker_b) == ["file"]


def test_timeline_filters_by_programme_newest_first(followed, worker_a, team_a):
    file, _ = followed
    services.accompaniment_open(file=file, programme=Programme.RSA, team=team_a, actor=worker_a)
    entries = list(selectors.timeline_for(user=worker_a, file=file))
    assert [e.programme for e in entries] == ["rsa", "pmi"]
    assert [e.programme for e in selectors.timeline_for(user=worker_a, file=file, programme="pmi")] == ["pmi"]


def test_timeline_query_count_does_not_grow_with_entries(followed, worker_a, django_assert_num_queries):
    file, _ = followed
    TimelineEntryFactory.create_batch(50, file=file, author=worker_a)
    # can_view_file, purpose of the log, the log row, the page of entries
    with django_assert_num_queries(5):  # incl. the check for grants or emergency accesses due to end
        entries = list(selectors.timeline_for(user=worker_a, file=file)[:100])
        assert len(entries) == 51
        assert all(e.author.email for e in entries)


def test_each_read_writes_exactly_one_access_log_row(followed, worker_a):
    file, _ = followed
    note = services.note_write(file=file, author=worker_a, text="x", kind="entretien", visibility="file")
    document = services.document_add(file=file, upload=pdf_upload(), actor=worker_a, doc_type="autre")
    reads = [
        (lambda: selectors.file_get(user=worker_a, pk=file.pk), "file.view"),
        (lambda: list(selectors.timeline_for(user=worker_a, file=file)), "file.timeline"),
        (lambda: list(selectors.notes_for(user=worker_a, file=file)), "file.notes"),
        (lambda: selectors.note_get(user=worker_a, pk=note.pk), "note.view"),
        (lambda: list(selectors.documents_for(user=worker_a, file=file)), "file.documents"),
        (lambda: selectors.document_get(user=worker_a, pk=document.pk), "document.download"),
    ]
    for read, action in reads:
        before = AccessLog.objects.count()
        read()
        assert AccessLog.objects.count() == before + 1
        row = AccessLog.objects.order_by("-seq").first()
        assert (row.action, row.actor_id, row.citizen_id, row.purpose) == (
            action,
            worker_a.pk,
            file.citizen_id,
            "suivi",
        )
    before = AccessLog.objects.count()
    list(selectors.timeline_for(user=worker_a, file=file, log=False))
    list(selectors.files_for(user=worker_a))
    assert AccessLog.objects.count() == before


def test_a_refused_read_writes_no_log_row(followed, worker_b):
    file, _ = followed
    before = AccessLog.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - Http404
        selectors.file_get(user=worker_b, pk=file.pk)
    assert AccessLog.objects.count() == before


def test_other_citizens_entries_stay_out(followed, worker_a, team_a):
    file, _ = followed
    open_file(citizen=CitizenFactory(), team=team_a, actor=worker_a)
    assert {e.citizen_id for e in selectors.timeline_for(user=worker_a, file=file)} == {file.citizen_id}


def test_every_kind_a_source_writes_is_registered_by_its_app():
    """The social file, requests, mail, appointments, digital help and the annuaire declare their timeline sources
    from ready(): readers ask the registry."""
    sources = registered_sources()
    kinds = {kind for source in sources.values() for kind in source.kinds}
    assert {"dossier_unique.note", "dossier_unique.document", "grc_requests.request", "mail.mailitem"} <= set(sources)
    assert kinds == set(TimelineEntry.Kind.values) - {TimelineEntry.Kind.MERGE}
