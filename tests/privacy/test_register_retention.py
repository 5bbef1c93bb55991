"""The GDPR register's own retention rule: six years after an entry is closed, the requester's identity goes
(with their words, the DPO's notes and the links to the person), everywhere (row, history, the portal's account
deletion request); the proof of the answer stays."""

import datetime
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.models import Citizen
from portal.accounts.models import AccountDeletionRequest
from portal.accounts.services import account_erase, deletion_request_create
from privacy import services as privacy_services
from privacy.apps import _ensure_default_retention_rules
from privacy.models import (
    AccessArchive,
    ErasureExecution,
    GdprRequest,
    RetentionDone,
    RetentionRule,
    add_months,
)
from privacy.retention import (
    order,
    retention_apply,
    retention_apply_all,
    retention_rule_update,
    retention_rules_ensure,
)
from tests.accounts.factories import portal_account
from tests.factories import CitizenFactory

from .conftest import gdpr_entry

pytestmark = pytest.mark.django_db

SEVEN_YEARS_AGO = add_months(timezone.localdate(), -84)
FIVE_YEARS_AGO = add_months(timezone.localdate(), -60)
PROOF_FIELDS = (
    "reference",
    "kind",
    "channel",
    "received_on",
    "deadline",
    "extended_deadline",
    "extension_reason",
    "status",
    "owner_id",
    "answered_on",
    "refusal_reason",
    "archive_id",
)


@pytest.fixture
def rule(dpo):
    retention_rules_ensure(actor=dpo)
    return RetentionRule.objects.get(purpose="gdpr_register")


def _close(entry, *, dpo, on, to_status="answered", reason=""):
    """Close ``entry`` as the DPO does, then date it back (answer date and last change)."""
    privacy_services.gdpr_request_transition(gdpr_request=entry, actor=dpo, to_status=to_status, reason=reason)
    moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(12)))
    GdprRequest.objects.filter(pk=entry.pk).update(answered_on=on, updated_at=moment)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def old_access(dpo):
    """An access request answered seven years ago, with the requester's words, the DPO's notes, an
    archive and a status change whose free text names the person."""
    citizen = CitizenFactory(birth_name="Ancienregistre", first_names="Odile")
    entry = gdpr_entry(dpo=dpo, citizen=citizen, requester_identity="Odile ANCIENREGISTRE, 3 rue du Vieux Port")
    privacy_services.gdpr_request_update(
        gdpr_request=entry, actor=dpo, details="DETAILS-DEMANDEUR", notes="NOTE-DPO-REGISTRE"
    )
    archive = AccessArchive.objects.create(
        citizen=citizen, gdpr_request=entry, created_by=dpo, status="ready", sha256="a" * 64
    )
    privacy_services.gdpr_request_link_archive(gdpr_request=entry, archive=archive, actor=dpo)
    privacy_services.gdpr_request_transition(gdpr_request=entry, actor=dpo, to_status="in_progress")
    _close(entry, dpo=dpo, on=SEVEN_YEARS_AGO, reason="archive remise en main propre à Odile ANCIENREGISTRE")
    return entry


@pytest.fixture
def old_deletion(dpo):
    """A portal account deletion request carried out seven years ago: its register entry (erasure) holds
    the account's e-mail and name, the deletion request the e-mail and the reason."""
    account = portal_account(email="odile.supprimee@example.org", birth_name="Supprimee", first_names="Odile")
    citizen = CitizenFactory(birth_name="Supprimee", first_names="Odile", user=account)
    deletion = deletion_request_create(user=account, reason="MOTIF-SUPPRESSION-COMPTE")
    account_erase(deletion_request=deletion, actor=dpo, note="NOTE-TRAITEMENT-SUPPRESSION")
    entry = deletion.gdpr_request
    entry.refresh_from_db()
    assert entry.status == "answered" and entry.portal_account_id == account.pk and entry.citizen_id == citizen.pk
    ErasureExecution.objects.create(gdpr_request=entry, requested_by=dpo, status="done")
    GdprRequest.objects.filter(pk=entry.pk).update(answered_on=SEVEN_YEARS_AGO)
    entry.refresh_from_db()
    return entry


def _proof(entry) -> dict:
    return GdprRequest.objects.filter(pk=entry.pk).values(*PROOF_FIELDS).get()


def test_default_rule(rule):
    assert rule.duration_months == 72
    assert rule.export_before_destruction is False and rule.is_active
    assert "5(2)" in rule.legal_reference and "226-16" in rule.legal_reference
    assert "registre des traitements" in rule.legal_reference


def test_the_rule_appears_on_an_existing_database_at_migrate(dpo):
    """A database migrated before this rule existed gets it at the next ``migrate`` (post_migrate), and the
    rules the DPO already edited are left as they are."""
    retention_rules_ensure(actor=dpo)
    RetentionRule.objects.filter(purpose="gdpr_register").delete()
    RetentionRule.objects.filter(purpose="request").update(duration_months=99)

    _ensure_default_retention_rules(sender=apps.get_app_config("privacy"))

    assert RetentionRule.objects.get(purpose="gdpr_register").duration_months == 72
    assert RetentionRule.objects.get(purpose="request").duration_months == 99
    assert "gdpr_register" in RetentionRule.Purpose.values


def test_old_closed_entry_is_anonymised_and_its_proof_kept(rule, dpo, old_access):
    proof = _proof(old_access)
    citizen_id = old_access.citizen_id
    archive = old_access.archive

    run = retention_apply(rule=rule, actor=dpo)

    assert run.status == "done"
    assert run.counts["candidates"] == 1 and run.counts["gdpr_requests_anonymised"] == 1
    assert not run.exports.exists()
    old_access.refresh_from_db()
    assert old_access.requester_identity == "Anonymisé"
    assert (old_access.details, old_access.notes) == ("", "")
    assert old_access.citizen_id is None and old_access.portal_account_id is None
    assert _proof(old_access) == proof
    assert proof["status"] == "answered" and proof["answered_on"] == SEVEN_YEARS_AGO
    # The archive row stays (the proof of what was sent), and the citizen is not the register's to anonymise.
    assert AccessArchive.objects.filter(pk=archive.pk, gdpr_request=old_access).exists()
    assert Citizen.objects.get(pk=citizen_id).birth_name == "Ancienregistre"
    assert RetentionDone.objects.filter(purpose="gdpr_register", object_id=old_access.pk).exists()


def test_history_loses_the_identity_and_the_free_text_of_status_changes(rule, dpo, old_access):
    rows = old_access.history.all()
    assert any("Odile" in (r.history_change_reason or "") for r in rows)

    retention_apply(rule=rule, actor=dpo)

    for row in old_access.history.all():
        assert row.requester_identity == "Anonymisé"
        assert (row.details, row.notes, row.citizen_id, row.portal_account_id) == ("", "", None, None)
        assert "ANCIENREGISTRE" not in (row.history_change_reason or "")
    reasons = set(old_access.history.values_list("history_change_reason", flat=True))
    assert "statut : Répondue" in reasons and "statut : En cours de traitement" in reasons


def test_account_deletion_row_loses_its_email_and_reason(rule, dpo, old_deletion):
    deletion = AccountDeletionRequest.objects.get(gdpr_request=old_deletion)
    assert deletion.email == "odile.supprimee@example.org"

    run = retention_apply(rule=rule, actor=dpo)

    assert run.counts["account_deletions_anonymised"] == 1
    old_deletion.refresh_from_db()
    assert old_deletion.requester_identity == "Anonymisé"
    assert old_deletion.citizen_id is None and old_deletion.portal_account_id is None
    assert (old_deletion.status, old_deletion.kind, old_deletion.channel) == ("answered", "erasure", "portal")
    deletion.refresh_from_db()
    assert "odile" not in deletion.email and deletion.email.endswith("@anonymise.invalid")
    assert (deletion.reason, deletion.handling_note) == ("", "")
    assert deletion.user_id is None and deletion.citizen_id is None
    assert deletion.status == "done" and deletion.gdpr_request_id == old_deletion.pk
    for row in deletion.history.all():
        assert "odile" not in row.email and (row.reason, row.handling_note) == ("", "")
        assert row.user_id is None and row.citizen_id is None
    assert not old_deletion.history.filter(requester_identity__icontains="odile").exists()
    # The erasure row stays as the proof it was carried out.
    assert ErasureExecution.objects.filter(gdpr_request=old_deletion, status="done").exists()


def test_open_and_recently_closed_entries_are_untouched(rule, dpo, old_access):
    open_entry = gdpr_entry(dpo=dpo, requester_identity="Toujours Ouverte")
    GdprRequest.objects.filter(pk=open_entry.pk).update(received_on=SEVEN_YEARS_AGO, status="in_progress")
    recent = _close(gdpr_entry(dpo=dpo, requester_identity="Recente Close"), dpo=dpo, on=FIVE_YEARS_AGO)
    refused = gdpr_entry(dpo=dpo, requester_identity="Refus Ancien")
    refused = _close(refused, dpo=dpo, on=SEVEN_YEARS_AGO, to_status="refused", reason="identité non établie")

    run = retention_apply(rule=rule, actor=dpo)

    assert run.counts["candidates"] == 2
    identities = dict(GdprRequest.objects.values_list("pk", "requester_identity"))
    assert identities[open_entry.pk] == "Toujours Ouverte"
    assert identities[recent.pk] == "Recente Close"
    assert identities[refused.pk] == identities[old_access.pk] == "Anonymisé"
    refused.refresh_from_db()
    assert refused.refusal_reason == "identité non établie"  # the answer given, part of the proof


def test_closed_entry_without_answer_date_counts_from_its_last_change(rule, dpo):
    entry = _close(gdpr_entry(dpo=dpo, requester_identity="Sans Date"), dpo=dpo, on=SEVEN_YEARS_AGO)
    GdprRequest.objects.filter(pk=entry.pk).update(answered_on=None)

    retention_apply(rule=rule, actor=dpo)

    entry.refresh_from_db()
    assert entry.requester_identity == "Anonymisé"


def test_dry_run_lists_entries_without_names_and_changes_nothing(rule, dpo, old_access, old_deletion):
    run = retention_apply(rule=rule, actor=dpo, dry_run=True)

    assert run.counts["candidates"] == 2
    assert {item["id"] for item in run.items} == {old_access.pk, old_deletion.pk}
    item = next(i for i in run.items if i["id"] == old_access.pk)
    assert item["label"] == f"{old_access.reference} — Droit d'accès (art. 15)"
    assert item["date"] == SEVEN_YEARS_AGO.isoformat()
    text = json.dumps(run.items, ensure_ascii=False).lower()
    assert "odile" not in text and "ancienregistre" not in text and "example.org" not in text
    old_access.refresh_from_db()
    assert old_access.requester_identity.startswith("Odile")
    assert not RetentionDone.objects.filter(purpose="gdpr_register").exists()


def test_dry_run_report_page_shows_the_entries(rule, dpo, dpo_client, old_access):
    run = retention_apply(rule=rule, actor=dpo, dry_run=True)
    page = dpo_client.get(reverse("backoffice:privacy_run_detail", args=[run.pk])).content.decode()
    assert old_access.reference in page and "Odile" not in page


def test_running_twice_does_nothing_more(rule, dpo, old_access):
    retention_apply(rule=rule, actor=dpo)
    history_rows = old_access.history.count()

    second = retention_apply(rule=rule, actor=dpo)

    assert second.counts["candidates"] == 0
    assert old_access.history.count() == history_rows


def test_apply_all_includes_the_register_after_what_anonymises_citizens(rule, dpo, old_access):
    ORDER = order()
    assert ORDER.index("gdpr_register") > max(
        ORDER.index(p) for p in ("portal_account", "request", "mail", "social_file", "access_archive")
    )
    assert ORDER[-1] == "access_log"

    runs = retention_apply_all(actor=dpo)

    assert "gdpr_register" in [r.rule.purpose for r in runs]
    old_access.refresh_from_db()
    assert old_access.requester_identity == "Anonymisé"


def test_export_when_the_dpo_ticks_it(rule, dpo, old_access, old_deletion):
    retention_rule_update(rule=rule, actor=dpo, export_before_destruction=True)
    citizen_id = old_access.citizen_id

    run = retention_apply(rule=rule, actor=dpo)

    export = run.exports.get()
    assert export.item_count == 2 and run.counts["exported"] == 2
    with export.content.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        records = json.loads(archive.read("records.json"))
    assert manifest["finalite"] == "gdpr_register"
    by_reference = {r["demande_rgpd"][0]["fields"]["reference"]: r for r in records}
    exported = by_reference[old_access.reference]
    assert exported["demande_rgpd"][0]["fields"]["requester_identity"].startswith("Odile ANCIENREGISTRE")
    assert exported["demande_rgpd"][0]["fields"]["notes"] == "NOTE-DPO-REGISTRE"
    assert exported["usager"][0]["pk"] == citizen_id
    assert len(exported["archives_de_droit_d_acces"]) == 1
    deletion = by_reference[old_deletion.reference]
    assert deletion["suppression_de_compte"][0]["fields"]["email"] == "odile.supprimee@example.org"
    assert len(deletion["effacements"]) == 1
    # The export holds the person's data: logged against them, though the register anonymises no citizen.
    assert AccessLog.objects.filter(action=AccessLog.Action.RETENTION_EXPORT, citizen_id=citizen_id).exists()
    old_access.refresh_from_db()
    assert old_access.requester_identity == "Anonymisé"


def test_duration_under_a_year_is_refused(rule, dpo):
    with pytest.raises(ValidationError) as error:
        retention_rule_update(rule=rule, actor=dpo, duration_months=6)
    assert "au moins 12 mois" in str(error.value)
    retention_rule_update(rule=rule, actor=dpo, duration_months=12)
    rule.refresh_from_db()
    assert rule.duration_months == 12


def test_retention_page_lists_the_rule_and_the_dpo_edits_its_duration(rule, dpo_client):
    page = dpo_client.get(reverse("backoffice:privacy_retention")).content.decode()
    assert rule.label in page and "72 mois" in page
    url = reverse("backoffice:privacy_rule_edit", args=[rule.pk])
    data = {"label": rule.label, "legal_reference": rule.legal_reference, "is_active": "on"}

    refused = dpo_client.post(url, {**data, "duration_months": "3"})
    assert refused.status_code == 200 and "au moins 12 mois" in refused.content.decode()
    accepted = dpo_client.post(url, {**data, "duration_months": "120"})

    assert accepted.status_code == 302
    rule.refresh_from_db()
    assert rule.duration_months == 120
