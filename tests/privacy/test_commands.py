"""The command, the scheduled task and the demo seeder of the privacy area."""

import datetime
import io

from django.core.management import call_command
from django.utils import timezone

from demo.records import Counts
from demo.seeders import privacy as demo
from dossier_unique.models import Note, SocialFile
from privacy.models import GdprRequest, RetentionRule, RetentionRun
from privacy.tasks import apply_retention

LONG_AGO = timezone.now() - datetime.timedelta(days=800)
# Every retention purpose: the nightly task runs each, and migrate creates each rule.
ALL_PURPOSES = {
    "social_file",
    "access_log",
    "portal_account",
    "request",
    "mail",
    "access_archive",
    "gdpr_register",
    "appointment",
    "appointment_sms",
    "rdv_invitation",
    "help_session",
    "rights_estimate",
}


def test_apply_retention_dry_run_command_prints_a_summary_and_changes_nothing(followed):
    file, _ = followed
    Note.objects.create(
        file=file, author=file.accompaniments.get().referent, kind="entretien", visibility="file", text="t"
    )
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "Simulation" in text
    assert "Dossiers sociaux" in text
    assert RetentionRule.objects.count() == len(ALL_PURPOSES)
    assert set(RetentionRun.objects.values_list("dry_run", flat=True)) == {True}
    assert Note.objects.filter(file=file).exists()


def test_apply_retention_command_one_rule(db):
    out = io.StringIO()
    call_command("apply_retention", "--rule", "request", "--no-progress", stdout=out)
    assert RetentionRun.objects.get().rule.purpose == "request"
    assert "rien à traiter" in out.getvalue() or "candidates : 0" in out.getvalue()


def test_scheduled_task_runs_every_active_rule(db):
    result = apply_retention.call(dry_run=True)
    assert {r["purpose"] for r in result} == ALL_PURPOSES


def test_demo_seed_is_idempotent(dpo, citizen):
    counts = Counts()
    demo.seed(actor=dpo, counts=counts)
    demo.seed(actor=dpo, counts=counts)
    assert GdprRequest.objects.count() == 3
    assert RetentionRule.objects.count() == len(ALL_PURPOSES)
    assert set(GdprRequest.objects.values_list("status", flat=True)) == {"in_progress", "received", "answered"}
    assert counts.created["demandes RGPD"] == 3 and counts.existing["demandes RGPD"] == 3


def test_a_failing_rule_does_not_stop_the_others(followed, settings, tmp_path):
    file, accompaniment = followed
    blocked = tmp_path / "blocked"
    blocked.write_text("x")
    settings.PRIVACY_ARCHIVES_ROOT = blocked
    day = (LONG_AGO - datetime.timedelta(days=10)).date()
    type(accompaniment).objects.filter(pk=accompaniment.pk).update(status="closed", start_date=day, end_date=day)
    type(file).objects.filter(pk=file.pk).update(created_at=LONG_AGO)
    file.timeline_entries.update(occurred_at=LONG_AGO)
    result = {r["purpose"]: r["status"] for r in apply_retention.call()}
    assert result["social_file"] == "failed"
    assert result["access_log"] == "done" and result["request"] == "done"
    assert SocialFile.objects.filter(pk=file.pk).exists()


def test_default_rules_exist_right_after_migrate_before_any_run(db):
    # The DPO must see (and can edit) every rule before the first nightly run applies it; a rule
    # added in a release (access-right archives) appears at the migrate that ships it.
    assert set(RetentionRule.objects.values_list("purpose", flat=True)) == ALL_PURPOSES
    assert not RetentionRun.objects.exists()
