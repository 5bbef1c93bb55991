"""Retention: exactly what the rules say goes, everywhere (rows, history, timeline, stored files, search
index), after an export for the Archives départementales; nothing else; a dry run changes nothing."""

import datetime
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core import mail
from django.db.models import Q
from django.utils import timezone

from demandes.models import Request, RequestAttachment, RequestEvent, RequestMessage
from dossier_unique import services as dsu
from dossier_unique.models import Accompaniment, Document, Note, SocialFile, TimelineEntry
from grc.audit.models import AccessLog
from grc.models import Address, Citizen, ContactPoint, Household, HouseholdMembership
from grc.nir import key as nir_key
from mail.models import MailItem
from privacy.archive import access_archive_compile
from privacy.models import RetentionDone, RetentionRule, RetentionWarning
from privacy.retention import retention_apply, retention_rules_ensure
from privacy.storage import privacy_storage
from tests.dossier_unique.factories import open_file, pdf_upload
from tests.factories import AddressFactory, CitizenFactory, UserFactory

from .conftest import gdpr_entry, make_request, stored

LONG_AGO = timezone.now() - datetime.timedelta(days=800)


def _rule(purpose, dpo):
    retention_rules_ensure(actor=dpo)
    return RetentionRule.objects.get(purpose=purpose)


def _age_file(file):
    day = timezone.localtime(LONG_AGO).date()
    Accompaniment.objects.filter(file=file).update(
        status="closed", start_date=day - datetime.timedelta(days=300), end_date=day, closing_reason="FIN-MOTIF-ANCIEN"
    )
    Note.objects.filter(file=file).update(created_at=LONG_AGO)
    Document.objects.filter(file=file).update(uploaded_at=LONG_AGO)
    TimelineEntry.objects.filter(file=file).update(occurred_at=LONG_AGO)
    SocialFile.objects.filter(pk=file.pk).update(created_at=LONG_AGO)


@pytest.fixture
def apply(django_capture_on_commit_callbacks):
    """``retention_apply`` then its after-commit work (stored files deleted, search index refreshed)."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return retention_apply(**kwargs)

    return run


@pytest.fixture
def old_and_recent(db, team_a, worker_a):
    first13 = "1720135238077"
    old = CitizenFactory(
        birth_name="Ancienfichier",
        first_names="Gaston",
        birth_date=datetime.date(1972, 1, 13),
        nir=f"{first13}{nir_key(first13):02d}",
    )
    AddressFactory(citizen=old, line1="7 impasse Ancienne", postcode="35300", city="Fougères")
    ContactPoint.objects.create(citizen=old, kind="phone", value="0299000000")
    HouseholdMembership.objects.create(
        household=Household.objects.create(label="Foyer ANCIENFICHIER"), citizen=old, role="declarant"
    )
    old_file, _ = open_file(citizen=old, team=team_a, actor=worker_a)
    dsu.note_write(file=old_file, author=worker_a, text="NOTE-ANCIENNE", kind="entretien", visibility="file")
    dsu.note_write(file=old_file, author=worker_a, text="NOTE-ANCIENNE-PRIVEE", kind="entretien", visibility="private")
    document = dsu.document_add(file=old_file, upload=pdf_upload(), actor=worker_a, doc_type="ressources")
    _age_file(old_file)

    recent = CitizenFactory(birth_name="Recentdossier", first_names="Lucie")
    recent_file, _ = open_file(citizen=recent, team=team_a, actor=worker_a)
    dsu.note_write(file=recent_file, author=worker_a, text="NOTE-RECENTE", kind="entretien", visibility="file")
    recent_document = dsu.document_add(file=recent_file, upload=pdf_upload(), actor=worker_a, doc_type="ressources")
    return {
        "old": old,
        "old_file": old_file,
        "document": document,
        "document_name": document.content.name,
        "recent": recent,
        "recent_file": recent_file,
        "recent_document": recent_document,
    }


def _index(citizen, file):
    """Index the citizen and the file with the search app when it is there (PostgreSQL backend); the
    model of its documents, or None."""
    if not apps.is_installed("search"):
        return None
    try:
        from search import indexing
    except ImportError:
        return None
    indexing.refresh_citizens([citizen.pk])
    indexing.refresh_files([file.pk])
    model = apps.get_model("grc_search", "SearchDocument")
    assert model.objects.filter(citizen_id=citizen.pk).exists()
    return model


def _index_objects(request, item):
    """Index a request and a letter with the search app (PostgreSQL backend); its document model, or None."""
    if not apps.is_installed("search"):
        return None
    from search import indexing
    from search.documents.demandes import REQUEST
    from search.documents.mail import MAIL

    indexing.refresh(REQUEST, [request.pk])
    indexing.refresh(MAIL, [item.pk])
    model = apps.get_model("grc_search", "SearchDocument")
    found = model.objects.filter(kind__in=["request", "mail"], citizen_id=request.citizen_id)
    assert sorted(found.values_list("kind", flat=True)) == ["mail", "request"]
    return model


def _history(model):
    return model.history.model.objects


def test_social_file_rule_exports_then_anonymises_everywhere_and_keeps_the_recent_file(old_and_recent, dpo, apply):
    data = old_and_recent
    old, old_file = data["old"], data["old_file"]
    search_document = _index(old, old_file)
    sent = access_archive_compile(citizen=old, actor=dpo)
    sent_name = sent.content.name
    run = apply(rule=_rule("social_file", dpo), actor=dpo)

    assert run.status == "done"
    assert run.counts["candidates"] == 1
    assert run.counts["files_anonymised"] == 1
    assert run.counts["notes_deleted"] == 2
    assert run.counts["documents_deleted"] == 1
    assert run.counts["citizens_anonymised"] == 1

    # Notes and documents: rows, history rows, timeline entries (and their history) and bytes are gone.
    assert not Note.objects.filter(file=old_file).exists()
    assert not _history(Note).filter(file_id=old_file.pk).exists()
    assert not Document.objects.filter(file=old_file).exists()
    assert not _history(Document).filter(file_id=old_file.pk).exists()
    from dossier_unique.documents import document_storage

    assert not document_storage().exists(data["document_name"])
    kinds = set(TimelineEntry.objects.filter(file=old_file).values_list("kind", flat=True))
    assert "note" not in kinds and "document_added" not in kinds
    assert "accompaniment_opened" in kinds  # statistics survive
    assert not _history(TimelineEntry).filter(file_id=old_file.pk, source_type="dossier_unique.note").exists()

    # Statistics survive: the accompaniment's programme, team and dates; the closing reason goes.
    accompaniment = Accompaniment.objects.get(file=old_file)
    assert accompaniment.programme == "pmi" and accompaniment.end_date is not None
    assert accompaniment.closing_reason == ""
    assert not _history(Accompaniment).filter(closing_reason="FIN-MOTIF-ANCIEN").exists()

    # The citizen: anonymised, birth year, postcode and household role kept; nothing old left in history.
    old.refresh_from_db()
    assert (old.birth_name, old.first_names, old.nir) == ("ANONYMISÉ", "Anonymisé", "")
    assert old.birth_date == datetime.date(1972, 1, 1)
    assert not ContactPoint.objects.filter(citizen=old).exists()
    assert not _history(ContactPoint).filter(citizen_id=old.pk).exists()
    assert not _history(Citizen).filter(birth_name="Ancienfichier").exists()
    assert not _history(Citizen).filter(id=old.pk).exclude(nir="").exists()
    assert not _history(Citizen).filter(id=old.pk, birth_date=datetime.date(1972, 1, 13)).exists()
    address = Address.objects.get(citizen=old)
    assert (address.line1, address.postcode, address.city) == ("", "35300", "Fougères")
    assert not _history(Address).filter(line1="7 impasse Ancienne").exists()
    assert HouseholdMembership.objects.filter(citizen=old, role="declarant").exists()
    assert not Household.objects.filter(label__icontains="ancienfichier").exists()
    assert not _history(Household).filter(label__icontains="ancienfichier").exists()
    # The access archive once sent to them held a copy of everything: its bytes go, the proof stays.
    sent.refresh_from_db()
    assert sent.content.name == "" and sent.sha256
    assert not privacy_storage().exists(sent_name)

    # Search index (when the search app is there): nothing left under the old name or from the notes.
    if search_document is not None:
        assert not search_document.objects.filter(names__icontains="ancienfichier").exists()
        assert not search_document.objects.filter(body__icontains="NOTE-ANCIENNE").exists()

    # The export for the Archives départementales was written (it holds what is now destroyed).
    export = run.exports.get()
    with export.content.open("rb") as handle:
        bundle = zipfile.ZipFile(io.BytesIO(handle.read()))
    records = bundle.read("records.json").decode()
    assert "NOTE-ANCIENNE" in records and "NOTE-ANCIENNE-PRIVEE" in records and "Ancienfichier" in records
    assert bundle.read(f"dossiers/{old_file.pk}/documents/{data['document'].pk}").startswith(b"%PDF")
    assert json.loads(bundle.read("manifest.json"))["nombre"] == 1
    assert AccessLog.objects.filter(action=AccessLog.Action.RETENTION_EXPORT, citizen_id=old.pk).exists()

    # Nothing else: the recent file, its note, its document and its citizen are untouched.
    assert Note.objects.filter(file=data["recent_file"], text="NOTE-RECENTE").exists()
    assert stored(data["recent_document"].content)
    data["recent"].refresh_from_db()
    assert data["recent"].birth_name == "Recentdossier"

    # A second run finds nothing more to do.
    assert apply(rule=_rule("social_file", dpo), actor=dpo).counts["candidates"] == 0


def test_dry_run_lists_what_would_go_and_changes_nothing(old_and_recent, dpo, apply):
    data = old_and_recent
    notes_before = _history(Note).count()
    run = apply(rule=_rule("social_file", dpo), actor=dpo, dry_run=True)
    assert run.dry_run and run.counts == {"candidates": 1}
    assert [item["id"] for item in run.items] == [data["old_file"].pk]
    assert Note.objects.filter(file=data["old_file"]).count() == 2
    assert _history(Note).count() == notes_before
    assert stored(data["document"].content)
    data["old"].refresh_from_db()
    assert data["old"].birth_name == "Ancienfichier"
    assert not run.exports.exists()
    assert not RetentionDone.objects.exists()


def test_nothing_is_destroyed_when_the_export_cannot_be_written(old_and_recent, dpo, settings, tmp_path, apply):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("x")
    settings.PRIVACY_ARCHIVES_ROOT = blocked
    with pytest.raises(OSError):
        apply(rule=_rule("social_file", dpo), actor=dpo)
    assert Note.objects.filter(file=old_and_recent["old_file"]).count() == 2
    assert stored(old_and_recent["document"].content)
    assert RetentionRule.objects.get(purpose="social_file").runs.get().status == "failed"


def test_request_and_mail_rules_strip_content_and_keep_statistics(rich, dpo, team_a, worker_a, apply):
    request, item = rich["request"], rich["mail"]
    attachment_names = [a.file.name for a in request.attachments.all()]
    scan_name = item.original.name
    Request.objects.filter(pk=request.pk).update(decided_at=LONG_AGO - datetime.timedelta(days=5 * 365))
    MailItem.objects.filter(pk=item.pk).update(
        handled_at=LONG_AGO - datetime.timedelta(days=5 * 365), routed_at=LONG_AGO - datetime.timedelta(days=5 * 365)
    )
    recent_request = make_request(citizen=rich["citizen"], team=team_a, actor=worker_a, code="D-2026-BBBBBB")
    # On the citizen's timeline as the request and mail services put them (filing, routing).
    from demandes.services import _timeline
    from mail.services import _timeline_entry

    _timeline(request, kind=TimelineEntry.Kind.REQUEST_SUBMITTED, title="Demande déposée", actor=worker_a)
    _timeline_entry(item, worker_a)
    timeline = {"grc_requests.request", "mail.mailitem"}
    timeline_ids = list(
        TimelineEntry.objects.filter(
            Q(source_type="grc_requests.request", source_id=str(request.pk))
            | Q(source_type="mail.mailitem", source_id=str(item.pk))
        ).values_list("pk", flat=True)
    )
    assert {TimelineEntry.objects.get(pk=pk).source_type for pk in timeline_ids} == timeline
    search = _index_objects(request, item)

    request_run = apply(rule=_rule("request", dpo), actor=dpo)
    mail_run = apply(rule=_rule("mail", dpo), actor=dpo)

    # Their entries in the citizen's timeline are gone, with their history.
    assert not TimelineEntry.objects.filter(pk__in=timeline_ids).exists()
    assert not _history(TimelineEntry).filter(id__in=timeline_ids).exists()
    assert request_run.counts["timeline_entries_deleted"] >= 1 and mail_run.counts["timeline_entries_deleted"] >= 1
    # Their search documents no longer lead to the person nor hold the answers or the letter's text.
    if search is not None:
        for kind, pk in (("request", request.pk), ("mail", item.pk)):
            document = search.objects.get(kind=kind, object_id=pk)
            text = " ".join([document.title, document.subtitle, document.body, document.names]).upper()
            assert document.citizen_id is None, kind
            assert "LEMOINE" not in text and "REPONSE-FORMULAIRE-DEMANDE" not in text, kind
    # The letter's history keeps no sender, file name or citizen either.
    assert not _history(MailItem).filter(id=item.pk).exclude(sender="", original_name="", citizen_id=None).exists()
    assert request_run.counts["requests_anonymised"] == 1 and mail_run.counts["mail_anonymised"] == 1
    assert request_run.exports.count() == 1 and mail_run.exports.count() == 1

    request.refresh_from_db()
    assert (request.answers, request.decision_reason, request.citizen_id) == ({}, "", None)
    assert (request.procedure_title, request.status, request.team_id) == (
        "Aide au transport scolaire adapté",
        "accepted",
        team_a.pk,
    )
    assert not RequestMessage.objects.filter(request=request).exists()
    assert not _history(RequestMessage).filter(request_id=request.pk).exists()
    assert not RequestAttachment.objects.filter(request=request).exists()
    assert not _history(RequestAttachment).filter(request_id=request.pk).exists()
    assert not _history(Request).filter(id=request.pk, answers__has_key="motif").exists()
    assert not RequestEvent.objects.filter(request=request).exclude(comment="").exists()
    from dossier_unique.documents import document_storage

    assert all(not document_storage().exists(name) for name in attachment_names)

    item.refresh_from_db()
    assert (item.ocr_text, item.sender, item.citizen_id, item.original.name) == ("", "", None, "")
    assert item.registration_number == "2026-C-000001" and item.team_id == team_a.pk
    assert not document_storage().exists(scan_name)

    # Nothing else: the recent request keeps everything; the citizen (followed, open file) keeps their name.
    recent_request.refresh_from_db()
    assert recent_request.answers == {"motif": "REPONSE-FORMULAIRE-DEMANDE"}
    assert RequestMessage.objects.filter(request=recent_request).exists()
    rich["citizen"].refresh_from_db()
    assert rich["citizen"].birth_name == "Lemoine"


def test_inactive_portal_account_is_warned_a_month_before_then_closed(db, dpo, apply):
    first13 = "2910235238066"
    sleeper = UserFactory(citizen_account=True, email="dormant@example.org", last_name="Dormeur")
    citizen = CitizenFactory(birth_name="Dormeur", nir=f"{first13}{nir_key(first13):02d}", user=sleeper)
    active = UserFactory(citizen_account=True, email="actif@example.org")
    type(sleeper).objects.filter(pk=sleeper.pk).update(last_login=LONG_AGO, date_joined=LONG_AGO)
    type(active).objects.filter(pk=active.pk).update(last_login=timezone.now())
    rule = _rule("portal_account", dpo)

    first = apply(rule=rule, actor=None)
    assert first.counts == {"candidates": 0, "warnings": 1}
    assert [m.to for m in mail.outbox] == [["dormant@example.org"]]
    sleeper.refresh_from_db()
    assert sleeper.is_active

    RetentionWarning.objects.update(sent_at=timezone.now() - datetime.timedelta(days=31))
    second = apply(rule=rule, actor=None)
    assert second.counts["accounts_closed"] == 1 and second.counts["warnings"] == 0
    sleeper.refresh_from_db()
    assert not sleeper.is_active and sleeper.email.endswith("@anonymise.invalid") and sleeper.last_name == ""
    assert not sleeper.has_usable_password()
    assert not _history(type(sleeper)).filter(email="dormant@example.org").exists()
    citizen.refresh_from_db()
    assert citizen.user_id is None and citizen.birth_name == "ANONYMISÉ"
    active.refresh_from_db()
    assert active.is_active and active.email == "actif@example.org"
    assert len(mail.outbox) == 1


def test_deactivated_portal_account_is_closed_after_the_period_without_a_warning(db, dpo, apply):
    # Deactivated (deletion asked and left unanswered, sign-up never verified, agent decision): the
    # holder cannot sign in to act on a warning, and the e-mail and name must not outlive the rule.
    gone = UserFactory(citizen_account=True, email="parti@example.org", last_name="Parti", is_active=False)
    recent = UserFactory(citizen_account=True, email="recent@example.org", is_active=False)
    type(gone).objects.filter(pk=gone.pk).update(last_login=LONG_AGO, date_joined=LONG_AGO)
    rule = _rule("portal_account", dpo)

    dry = apply(rule=rule, actor=None, dry_run=True)
    assert [item["id"] for item in dry.items] == [gone.pk]
    gone.refresh_from_db()
    assert gone.email == "parti@example.org"

    run = apply(rule=rule, actor=None)
    assert run.counts["accounts_closed"] == 1 and run.counts["warnings"] == 0
    assert mail.outbox == []
    gone.refresh_from_db()
    recent.refresh_from_db()
    assert gone.email.endswith("@anonymise.invalid") and gone.last_name == ""
    assert not _history(type(gone)).filter(email="parti@example.org").exists()
    assert recent.email == "recent@example.org"
    # Closed accounts are not taken again.
    assert apply(rule=rule, actor=None).counts.get("accounts_closed", 0) == 0


def test_access_log_rule_goes_through_the_audit_purge_and_dry_run_keeps_rows(rich, dpo, apply):
    before = AccessLog.objects.count()
    run = apply(rule=_rule("access_log", dpo), actor=dpo, dry_run=True)
    assert run.status == "done"
    assert AccessLog.objects.count() == before


def test_access_log_rule_as_the_dpo_set_it_purges_exactly_the_older_rows(db, dpo, worker_a, apply):
    """The editable rule is the period: 6 months set by the DPO purges what is older, keeps the rest."""
    from grc.audit.models import AccessLogAnchor
    from grc.audit.services import access_log_write_dated
    from grc.audit.verify import verify_chain
    from privacy.retention import retention_rule_update

    now = timezone.now()
    for days in (400, 200, 170, 1):
        access_log_write_dated(
            actor=worker_a,
            action=AccessLog.Action.FILE_VIEW,
            purpose=f"il y a {days} j",
            at=now - datetime.timedelta(days=days),
        )
    rule = retention_rule_update(rule=_rule("access_log", dpo), actor=dpo, duration_months=6)

    run = apply(rule=rule, actor=dpo)

    assert run.counts["access_log_rows_purged"] == 2
    assert sorted(AccessLog.objects.values_list("purpose", flat=True)) == ["il y a 1 j", "il y a 170 j"]
    anchor = AccessLogAnchor.objects.get()
    assert (anchor.purged_rows, anchor.actor_id) == (2, dpo.pk) and rule.label in anchor.reason
    assert verify_chain().ok


def test_erasure_request_erases_the_citizen_once_nothing_is_open(rich, dpo, apply, django_capture_on_commit_callbacks):
    """Asked for as the register does (``erasure_request``), run by the worker's task on commit."""
    from django.core.exceptions import ValidationError

    from privacy.models import ErasureExecution, RetentionRun
    from privacy.services import erasure_request

    citizen = rich["citizen"]
    gdpr_request = gdpr_entry(dpo=dpo, citizen=citizen, kind="erasure")
    # Refused when asked, at once: nothing recorded, nothing queued.
    with django_capture_on_commit_callbacks() as queued:
        with pytest.raises(ValidationError, match="accompagnement est en cours"):
            erasure_request(gdpr_request=gdpr_request, actor=dpo)
    assert queued == [] and not ErasureExecution.objects.exists()
    Accompaniment.objects.filter(file=rich["file"]).update(status="closed", end_date=timezone.localdate())
    # The account was deactivated (its holder asked for deletion on the portal): erased all the same.
    account = citizen.user
    type(account).objects.filter(pk=account.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        erasure = erasure_request(gdpr_request=gdpr_request, actor=dpo)
    erasure.refresh_from_db()
    assert erasure.status == ErasureExecution.Status.DONE
    runs = list(RetentionRun.objects.filter(pk__in=erasure.run_ids).select_related("rule"))
    account.refresh_from_db()
    assert account.email.endswith("@anonymise.invalid") and account.first_name == account.last_name == ""
    assert {run.rule.purpose for run in runs} == {"portal_account", "request", "mail", "social_file"}
    assert all(run.exports.exists() for run in runs if run.rule.export_before_destruction)
    citizen.refresh_from_db()
    assert citizen.birth_name == "ANONYMISÉ" and citizen.user_id is None
    assert not Note.objects.filter(file=rich["file"]).exists()
    assert not stored(rich["document"].content)
    # Nobody else: the spouse and the homonym keep everything.
    rich["spouse"].refresh_from_db()
    rich["homonym"].refresh_from_db()
    assert rich["spouse"].birth_name == "Secretconjoint" and rich["homonym"].birth_name == "Lemoine"
    assert Note.objects.filter(file=rich["homonym_file"], text="NOTE-DE-L-HOMONYME").exists()


def test_citizen_erase_checks_the_conditions_again_in_the_worker(rich, dpo):
    """``citizen_erase`` (what the worker runs) refuses on its own what ``erasure_request`` refused."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from privacy.retention import citizen_erase

    gdpr_request = gdpr_entry(dpo=dpo, citizen=rich["citizen"], kind="erasure")
    with pytest.raises(ValidationError, match="accompagnement est en cours"):
        citizen_erase(gdpr_request=gdpr_request, actor=dpo)
    with pytest.raises(PermissionDenied):
        citizen_erase(gdpr_request=gdpr_request, actor=rich["worker"])
    rich["citizen"].refresh_from_db()
    assert rich["citizen"].birth_name == "Lemoine"


def test_rule_update_refuses_out_of_range_values_whoever_calls(db, dpo):
    from django.core.exceptions import ValidationError

    from privacy.retention import retention_rule_update

    rule = _rule("social_file", dpo)
    for field, value in (("warning_days", 100000), ("warning_days", -1), ("duration_months", 0)):
        with pytest.raises(ValidationError) as refused:
            retention_rule_update(rule=rule, actor=dpo, **{field: value})
        assert field in refused.value.message_dict
    rule.refresh_from_db()
    assert 0 <= rule.warning_days <= 365 and rule.duration_months >= 1
