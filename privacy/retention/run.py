"""One retention run: a rule applied (or, in a dry run, only reported) to its purpose's data, in batches,
each exported for the Archives départementales first when the rule says so."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from grc import retention_registry
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.history import save_tracked
from grc.retention_registry import Forget

from ..models import RetentionDone, RetentionExport, RetentionRule, RetentionRun
from ..storage import zip_stored_files
from .anonymise import anonymise_unused, not_done
from .forget import forget_on_commit
from .purposes import warn_accounts

logger = logging.getLogger(__name__)

# Why a dry run asked for from the screen gave nothing (stored on the run, shown on its page: no one named).
DRY_RUN_NOT_DPO = gettext_lazy(
    "Simulation non effectuée : la personne qui l'a demandée n'a plus le rôle de délégué à la protection des données."
)
DRY_RUN_STALLED = gettext_lazy(
    "Simulation interrompue : aucun processus d'arrière-plan ne l'a menée à terme dans le délai prévu."
)
DRY_RUN_NOT_QUEUED = gettext_lazy("Simulation non lancée : la file des tâches d'arrière-plan ne l'a pas reçue.")


@contextlib.contextmanager
def recorded(run: RetentionRun, *, counts: Counter, actor):
    """Run the body as ``run``: done when it returns, failed with the error's class name when it raises
    (the error goes on); its counts and end time saved, with history, either way."""
    try:
        yield
        run.status = RetentionRun.Status.DONE
    except Exception as error:
        run.status = RetentionRun.Status.FAILED
        run.error = type(error).__name__
        raise
    finally:
        run.counts = dict(counts)
        run.finished_at = timezone.now()
        save_tracked(run, actor, "fin")


def order() -> list[str]:
    """The purposes in the order a full run applies them: accounts first (their citizens may then become
    unused), the register after everything that may anonymise a citizen, the access log last."""
    return [purpose.key for purpose in retention_registry.purposes()]


def _write_export(*, run: RetentionRun, records: list, attachments: list, citizen_ids, actor) -> RetentionExport:
    """Write one batch for the Archives départementales (manifest.json, records.json, files) and log it."""
    manifest = {
        "producteur": getattr(settings, "GRC_ORGANISATION_NAME", "Département"),
        "regle": run.rule.label,
        "finalite": run.rule.purpose,
        "reference_legale": run.rule.legal_reference,
        "date_limite": run.cutoff.isoformat(),
        "exporte_le": timezone.now().isoformat(),
        "nombre": len(records),
        "fichiers": [name for name, _ in attachments],
    }
    with tempfile.TemporaryFile() as temp:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
            archive.writestr("records.json", json.dumps(records, ensure_ascii=False, indent=2, default=str))
            zip_stored_files(archive, attachments, missing="Fichier introuvable dans le stockage.")
        temp.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: temp.read(1024 * 1024), b""):
            digest.update(chunk)
        size = temp.tell()
        temp.seek(0)
        export = RetentionExport(run=run, item_count=len(records), size=size, sha256=digest.hexdigest())
        export.content.save("export.zip", File(temp), save=False)
    with transaction.atomic():
        save_tracked(export, actor, "versement aux Archives départementales")
        for citizen_id in sorted(set(filter(None, citizen_ids))):
            access_log_write(
                actor=actor,
                action=AccessLog.Action.RETENTION_EXPORT,
                citizen=citizen_id,
                obj=export,
                purpose=f"versement aux Archives départementales ({run.rule.get_purpose_display()})"[:255],
            )
    return export


def process_batch(*, run, batch, actor, reason, counts, anonymise_citizens=True) -> None:
    """Export one batch (when the rule says so, committed first), then destroy/anonymise it in one
    transaction; stored files are deleted after commit."""
    rule = run.rule
    purpose = retention_registry.purpose(rule.purpose)
    added = retention_registry.extensions(rule.purpose)
    citizen_ids = purpose.citizen_ids(batch)
    if rule.export_before_destruction:
        records, attachments = purpose.export(batch)
        if records:
            logged = purpose.export_citizen_ids(batch) if purpose.export_citizen_ids else citizen_ids
            _write_export(run=run, records=records, attachments=attachments, citizen_ids=logged, actor=actor)
            counts["exported"] += len(records)
    forget = Forget()
    with transaction.atomic():
        purpose.apply(batch, actor=actor, reason=reason, counts=counts, forget=forget)
        for extension in added:
            if extension.apply is not None:
                extension.apply(batch, actor=actor, reason=reason, counts=counts, forget=forget)
        RetentionDone.objects.bulk_create([RetentionDone(purpose=rule.purpose, object_id=pk, run=run) for pk in batch])
        if anonymise_citizens:
            anonymise_unused(citizen_ids, actor=actor, reason=reason, counts=counts)
        forget_on_commit(forget)
    counts["stored_files_deleted"] += len([name for _, name in forget.files if name])


def _start(*, rule, actor, dry_run, cutoff, now, run) -> tuple[RetentionRun, bool]:
    """The run to record into: a new one, or the queued one given, made running; and whether to go on
    (not when the run given is no longer queued)."""
    if run is None:
        run = save_tracked(
            RetentionRun(rule=rule, actor=actor, dry_run=dry_run, cutoff=cutoff, started_at=now),
            actor,
            "simulation" if dry_run else "application",
        )
        return run, True
    if run.rule_id != rule.pk or run.dry_run != dry_run:
        raise ValueError("retention_apply: the run given is not one of this rule and kind")
    with transaction.atomic():
        # The row lock makes two deliveries of the same task take the run once.
        run = RetentionRun.objects.select_for_update().select_related("rule").get(pk=run.pk)
        if run.status != RetentionRun.Status.QUEUED:
            return run, False
        run.status = RetentionRun.Status.RUNNING
        run.started_at = now
        run.cutoff = cutoff
        save_tracked(run, actor, "simulation" if dry_run else "application")
    return run, True


def _run_purpose(*, rule, run, actor, dry_run, cutoff, now, counts, progress, batch_size) -> None:
    purpose = retention_registry.purpose(rule.purpose)
    if purpose.purge is not None:
        counts["candidates"] = purpose.purge(
            before=cutoff, actor=actor, dry_run=dry_run, reason=f"conservation : {rule.label}"
        )
        if not dry_run:
            counts["access_log_rows_purged"] = counts["candidates"]
        return
    ids = list(not_done(purpose.candidates(rule, cutoff), purpose.key).order_by("pk").values_list("pk", flat=True))
    counts["candidates"] = len(ids)
    if rule.purpose == RetentionRule.Purpose.PORTAL_ACCOUNT:
        counts["warnings"] = warn_accounts(rule=rule, cutoff=cutoff, actor=actor, dry_run=dry_run, now=now)
    if dry_run:
        run.items = purpose.describe(ids)[:5000]
        return
    reason = f"conservation : {rule.label}"[:100]
    done = 0
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        process_batch(run=run, batch=batch, actor=actor, reason=reason, counts=counts)
        done += len(batch)
        if progress:
            progress(done, len(ids))


def retention_apply(
    *,
    rule: RetentionRule,
    actor=None,
    dry_run: bool = False,
    now: datetime.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int | None = None,
    run: RetentionRun | None = None,
) -> RetentionRun:
    """Apply (or, with ``dry_run``, only report) one rule; records and returns the ``RetentionRun``.

    A dry run changes no data: it counts and lists what would go. A real run works in batches; each
    batch is first exported for the Archives départementales (when the rule says so) and the export
    committed, then destroyed/anonymised in one transaction; stored files are deleted after commit.

    ``run``: a queued run of ``rule`` (a dry run asked for from the screen) to use instead of recording a
    new one; it becomes running, with the cutoff of now. A run no longer queued (the task delivered a
    second time, or given up) is returned as it is and nothing is done.
    """
    now = now or timezone.now()
    cutoff = rule.cutoff(now)
    batch_size = batch_size or getattr(settings, "PRIVACY_RETENTION_BATCH_SIZE", 200)
    run, proceed = _start(rule=rule, actor=actor, dry_run=dry_run, cutoff=cutoff, now=now, run=run)
    if not proceed:
        return run
    counts: Counter = Counter()
    with recorded(run, counts=counts, actor=actor):
        _run_purpose(
            rule=rule,
            run=run,
            actor=actor,
            dry_run=dry_run,
            cutoff=cutoff,
            now=now,
            counts=counts,
            progress=progress,
            batch_size=batch_size,
        )
    return run


def retention_apply_all(*, actor=None, dry_run: bool = False, purposes=None, progress=None) -> list[RetentionRun]:
    """Apply every active rule (or those of ``purposes``), in the registry's order."""
    rules = {r.purpose: r for r in RetentionRule.objects.filter(is_active=True)}
    runs = []
    for purpose in order():
        if purpose not in rules or (purposes is not None and purpose not in purposes):
            continue
        try:
            runs.append(retention_apply(rule=rules[purpose], actor=actor, dry_run=dry_run, progress=progress))
        except Exception:  # recorded as a failed run; the other rules still run
            logger.exception("retention: rule %s failed", purpose)
            runs.append(RetentionRun.objects.filter(rule=rules[purpose]).order_by("-pk").first())
    return runs


@transaction.atomic
def retention_dry_run_fail(*, run_id: int, actor, message: str) -> bool:
    """Mark the dry run ``run_id`` failed with ``message`` (French, naming no one) if it is still queued;
    a run a worker took is left to it. Returns whether it was marked."""
    run = RetentionRun.objects.select_for_update().filter(pk=run_id, status=RetentionRun.Status.QUEUED).first()
    if run is None:
        return False
    run.status = RetentionRun.Status.FAILED
    run.error = str(message)
    run.finished_at = timezone.now()
    save_tracked(run, actor, "simulation abandonnée")
    return True
