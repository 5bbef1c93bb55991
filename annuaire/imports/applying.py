"""Preview and application of an import (``ImportRun``).

The preview compares each valid item with the record of the same data·inclusion ``id``: created, changed (the
fields that differ, before and after) or unchanged. Applying writes the created and changed records with their
history — and skips (reported) any record changed since the preview was made, so an import never overwrites
what someone else changed in between. The back office applies through the worker (``import_apply_start`` then
the task ``annuaire_import_apply``), by batches whose progress the run's page shows; the command applies in
its own process with a progress bar. Both end with the same summary.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from grc.models import Commune, User

from .. import cache, dataformat, perms
from ..models import ImportRun, Service, Structure
from .reading import ReadResult

MODELS = {"structure": Structure, "service": Service}
TO_DI = {"structure": dataformat.structure_to_di, "service": dataformat.service_to_di}
IGNORED_IN_DIFF = {"_line"}
REASON = "import de l'annuaire"
# Rows written per transaction: the job page's progress moves every batch, a failure loses at most one batch.
BATCH = 500


def _existing(kind: str, ids: list[str]) -> dict[str, dict]:
    model = MODELS[kind]
    queryset = model.objects.filter(di_id__in=ids).select_related("commune")
    if kind == "service":
        queryset = queryset.select_related("structure")
    return {obj.di_id: TO_DI[kind](obj) for obj in queryset}


def _diff(before: dict, after: dict) -> dict[str, list]:
    changes = {}
    for name, value in after.items():
        if name in IGNORED_IN_DIFF or name == "date_maj":
            continue
        old = before.get(name)
        if isinstance(old, list) and isinstance(value, list) and name != "zone_eligibilite":
            old, value = sorted(old), sorted(value)
        if old != value:
            changes[name] = [old, value]
    return changes


def preview_build(items: dict[str, list[dict]]) -> dict:
    """``{kind: {"created": [ids], "changed": {id: {field: [before, after]}}, "unchanged": n}}`` and the
    ``before`` values of changed records (to detect a change made after the preview)."""
    preview: dict = {}
    for kind in ("structure", "service"):
        rows = items.get(kind, [])
        existing = _existing(kind, [row["id"] for row in rows])
        created, changed, unchanged, before = [], {}, 0, {}
        for row in rows:
            current = existing.get(row["id"])
            if current is None:
                created.append(row["id"])
                continue
            diff = _diff(current, row)
            if diff:
                changed[row["id"]] = diff
                before[row["id"]] = current
            else:
                unchanged += 1
        preview[kind] = {"created": created, "changed": changed, "unchanged": unchanged, "before": before}
    return preview


@transaction.atomic
def import_prepare(*, user, result: ReadResult, filename: str) -> ImportRun:
    """Store a read file's valid items, report and preview, for the Info sociale team to look at and apply."""
    if not perms.can_moderate(user):
        raise Http404
    run = ImportRun(
        filename=filename[:255],
        file_format=result.file_format,
        schema_version=result.schema_version,
        items=result.items,
        report=[line.as_dict() for line in result.report],
        preview=preview_build(result.items),
        created_by=user,
        summary=result.counts,
    )
    run._history_user = user
    run.save()
    return run


def _values(kind: str, row: dict, communes: set[str], structures: dict[str, int]) -> dict:
    names = dataformat.SERVICE_FIELDS if kind == "service" else dataformat.STRUCTURE_FIELDS
    values = {}
    for name in names:
        if name in ("id", "structure_id", "commune"):
            continue
        value = row.get(name)
        if value is None:
            value = [] if name in _LIST_FIELDS else (None if name in _NULLABLE else "")
        values[name] = value
    values["di_id"] = row["id"]
    values["date_maj"] = datetime.date.fromisoformat(row["date_maj"])
    values["commune_nom"] = row.get("commune") or ""
    values["commune_id"] = row.get("code_insee") if row.get("code_insee") in communes else None
    if kind == "service":
        values["structure_id"] = structures.get(row["structure_id"])
    return values


_LIST_FIELDS = {*dataformat.SERVICE_LISTS, "reseaux_porteurs"}
_NULLABLE = {"latitude", "longitude", "volume_horaire_hebdomadaire", "nombre_semaines"}


def _write(kind: str, rows: list[dict], run: ImportRun, user, summary: dict) -> None:
    """Write one batch of ``kind`` rows (created and changed ones), adding to ``summary``'s counts."""
    model = MODELS[kind]
    preview = run.preview[kind]
    created_ids, changed_ids = set(preview["created"]), preview["changed"]
    communes = set(Commune.objects.values_list("code", flat=True))
    structures = {}
    if kind == "service":
        wanted = {row["structure_id"] for row in rows}
        structures = dict(Structure.objects.filter(di_id__in=wanted).values_list("di_id", "pk"))
    existing = {obj.di_id: obj for obj in model.objects.filter(di_id__in=[row["id"] for row in rows])}
    now_values = _existing(kind, [row["id"] for row in rows if row["id"] in changed_ids])
    to_create, to_update, fields = [], [], set()
    for row in rows:
        obj = existing.get(row["id"])
        if obj is None and row["id"] in created_ids:
            values = _values(kind, row, communes, structures)
            if kind == "service" and values["structure_id"] is None:
                summary["skipped"].append(_("%(id)s : structure « %(s)s » inconnue") % {
                    "id": row["id"], "s": row["structure_id"]})  # fmt: skip
                continue
            to_create.append(model(**values, updated_at=timezone.now()))
        elif obj is not None and row["id"] in changed_ids:
            if now_values.get(row["id"]) != preview["before"].get(row["id"]):
                summary["skipped"].append(_("%(id)s : modifié depuis l'aperçu, non écrasé") % {"id": row["id"]})
                continue
            values = _values(kind, row, communes, structures)
            for name, value in values.items():
                setattr(obj, name, value)
            obj.updated_at = timezone.now()
            fields.update(values)
            to_update.append(obj)
        elif obj is None or row["id"] in created_ids:
            summary["skipped"].append(_("%(id)s : créé depuis l'aperçu, non écrasé") % {"id": row["id"]})
    if to_create:
        bulk_create_with_history(to_create, model, batch_size=1000, default_user=user, default_change_reason=REASON)
    if to_update:
        fields = sorted(fields - {"di_id"}) + ["updated_at"]
        bulk_update_with_history(to_update, model, fields, batch_size=1000, default_user=user,
                                 default_change_reason=REASON)  # fmt: skip
    counts = summary.setdefault(kind, {"created": 0, "changed": 0})
    counts["created"] += len(to_create)
    counts["changed"] += len(to_update)


def _to_write(run: ImportRun, kind: str) -> list[dict]:
    """The rows of ``kind`` the preview found created or changed (unchanged ones need no write)."""
    preview = run.preview.get(kind, {})
    wanted = set(preview.get("created", [])) | set(preview.get("changed", {}))
    return [row for row in run.items.get(kind, []) if row["id"] in wanted]


@transaction.atomic
def import_apply_start(*, user, run: ImportRun) -> ImportRun:
    """Queue the application of a previewed import for the worker (``annuaire_import_apply`` below); the run's
    page shows its progress and then its summary. Rules: the Info sociale team, a run still in preview."""
    if not perms.can_moderate(user):
        raise Http404
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportRun.Status.PREVIEW:
        raise ValidationError(_("Cet import a déjà été appliqué ou abandonné."), code="status")
    run.status = ImportRun.Status.APPLYING
    run.progress_done = 0
    run.progress_total = sum(len(_to_write(run, kind)) for kind in ("structure", "service"))
    run._history_user = user
    run._change_reason = "import : application demandée"
    run.save()
    run_id, user_id = run.pk, user.pk
    transaction.on_commit(lambda: annuaire_import_apply.enqueue(run_id, user_id))
    return run


def import_apply(*, user, run: ImportRun, progress=None) -> ImportRun:
    """Apply a previewed import: structures first, then services, by batches of ``BATCH`` rows, each batch its
    own transaction so that the progress (``progress_done``, and ``progress(done, total)`` for the command's
    bar) is visible while it runs. Returns the run with its summary: created and changed per kind, and the lines
    not written with their reason (changed or created since the preview, unknown structure).

    A failure stops at the batch it happened in: what was written before stays (each record whole, with its
    history), the run is marked failed with the counts so far.
    """
    if not perms.can_moderate(user):
        raise Http404
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status not in (ImportRun.Status.PREVIEW, ImportRun.Status.APPLYING):
            raise ValidationError(_("Cet import a déjà été appliqué ou abandonné."), code="status")
        batches = [(kind, rows) for kind in ("structure", "service") for rows in _chunks(_to_write(run, kind))]
        total = sum(len(rows) for _kind, rows in batches)
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.APPLYING, progress_done=0, progress_total=total
        )
    summary: dict = {"skipped": [], "structure": {"created": 0, "changed": 0}, "service": {"created": 0, "changed": 0}}
    done = 0
    try:
        for kind, rows in batches:
            with transaction.atomic():
                _write(kind, rows, run, user, summary)
                done += len(rows)
                ImportRun.objects.filter(pk=run.pk).update(progress_done=done)
            if progress is not None:
                progress(done, total)
    except Exception:
        _finish(run, user, ImportRun.Status.FAILED, summary)
        raise
    # A service without its own coordinates is found where its structure is (searches are by distance).
    Service.objects.filter(latitude__isnull=True, structure__latitude__isnull=False).update(
        latitude=Subquery(Structure.objects.filter(pk=OuterRef("structure_id")).values("latitude")[:1]),
        longitude=Subquery(Structure.objects.filter(pk=OuterRef("structure_id")).values("longitude")[:1]),
    )
    return _finish(run, user, ImportRun.Status.APPLIED, summary)


def _chunks(rows: list[dict]) -> list[list[dict]]:
    return [rows[start : start + BATCH] for start in range(0, len(rows), BATCH)]


def _finish(run: ImportRun, user, status: str, summary: dict) -> ImportRun:
    cache.bump()
    run.refresh_from_db()
    run.status = status
    run.applied_at = timezone.now()
    run.summary = {**run.summary, **summary}
    run._history_user = user
    run._change_reason = "import : " + status
    run.save()
    return run


@transaction.atomic
def import_cancel(*, user, run: ImportRun) -> ImportRun:
    """Drop a previewed import without writing anything."""
    if not perms.can_moderate(user):
        raise Http404
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportRun.Status.PREVIEW:
        raise ValidationError(_("Cet import a déjà été appliqué ou abandonné."), code="status")
    run.status = ImportRun.Status.CANCELLED
    run.items = {}
    run._history_user = user
    run.save()
    return run


@task()
def annuaire_import_apply(run_id: int, user_id: int) -> dict:
    """The worker's side of ``import_apply_start``: apply the run in the name of the member who asked; its
    summary (counts per kind, lines not written)."""
    user = User.objects.get(pk=user_id)
    run = import_apply(user=user, run=ImportRun.objects.get(pk=run_id))
    return {kind: run.summary.get(kind) for kind in ("structure", "service")} | {
        "skipped": len(run.summary.get("skipped", []))
    }
