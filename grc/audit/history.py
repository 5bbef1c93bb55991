"""Change history for the DPO: django-simple-history records as readable diffs.

Every model with a ``history`` manager (simple-history) is covered, found through
``apps.get_models()``. A change shows the field's verbose name, the value before and after, who,
when and the reason. The DPO sees metadata, not contents: free-text fields (notes, reasons,
comments — every ``TextField``), JSON payloads and stored files show "modifié" instead of their
values. Merges: a citizen's history includes the merges it took part in (``grc.CitizenMerge``)
and the history of the records merged into it.
"""

from __future__ import annotations

import datetime
import heapq
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from . import perms

HIDDEN = (models.TextField, models.JSONField, models.FileField, models.BinaryField)
SKIPPED = {"password", "last_login", "updated_at"}


def history_models() -> list[type[models.Model]]:
    """Models with simple-history (their ``history`` attribute is a HistoryManager)."""
    found = []
    for model in apps.get_models():
        manager = getattr(model, "history", None)
        if manager is not None and hasattr(manager, "model") and hasattr(manager.model, "history_user_id"):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def model_by_label(label: str) -> type[models.Model]:
    for model in history_models():
        if model._meta.label_lower == label:
            return model
    raise Http404


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    model_label: str
    model_name: str
    object_id: str
    object_repr: str
    kind: str  # creation / modification / suppression
    date: datetime.datetime
    user_id: int | None
    reason: str
    changes: list[Change] = field(default_factory=list)


KINDS = {"+": _("création"), "~": _("modification"), "-": _("suppression")}


def _display(record, f) -> str:
    value = getattr(record, f.attname, None)
    if isinstance(f, HIDDEN):
        return _("(vide)") if value in (None, "", {}, []) else _("renseigné")
    if value is None or value == "":
        return "—"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.ForeignKey):
        return f"n° {value}"
    if isinstance(f, models.BooleanField):
        return _("oui") if value else _("non")
    if isinstance(f, models.DateTimeField):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(f, models.DateField):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _tracked_fields(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in SKIPPED and f.editable] + [
        f for f in model._meta.concrete_fields if not f.editable and isinstance(f, models.ForeignKey)
    ]


def _entry(model, record, prev) -> HistoryEntry:
    changes = []
    for f in _tracked_fields(model):
        try:
            hf = record._meta.get_field(f.name)
        except Exception:  # noqa: S112 (field excluded from history)
            continue
        after = getattr(record, hf.attname, None)
        before = getattr(prev, hf.attname, None) if prev is not None else None
        if prev is not None and before == after:
            continue
        if prev is None and record.history_type == "+" and after in (None, "", {}, []):
            continue
        hidden = isinstance(f, HIDDEN)
        changes.append(
            Change(
                field=str(f.verbose_name),
                before=(_("modifié") if hidden and prev is not None else _display(prev, f))
                if prev is not None
                else "",
                after=_("modifié") if hidden and prev is not None else _display(record, f),
            )
        )
    return HistoryEntry(
        model_label=model._meta.label_lower,
        model_name=str(model._meta.verbose_name),
        object_id=str(getattr(record, model._meta.pk.attname)),
        object_repr=f"{model._meta.verbose_name} n° {getattr(record, model._meta.pk.attname)}",
        kind=str(KINDS.get(record.history_type, record.history_type)),
        date=record.history_date,
        user_id=record.history_user_id,
        reason=record.history_change_reason or "",
        changes=changes,
    )


def _entries(model, records) -> list[HistoryEntry]:
    """Diffs for ``records`` of one model (each against the previous record of the same object)."""
    if not records:
        return []
    hist = model.history.model
    pk_name = model._meta.pk.attname
    entries = []
    for record in records:
        prev = (
            hist.objects.filter(**{pk_name: getattr(record, pk_name)}, history_date__lt=record.history_date)
            .order_by("-history_date", "-history_id")
            .first()
            if record.history_type != "+"
            else None
        )
        entries.append(_entry(model, record, prev))
    return entries


def object_history(*, user, model_label: str, pk, limit: int = 200) -> list[HistoryEntry]:
    """The changes of one object, newest first (bounded), with diffs; for a citizen, its merges too."""
    if not perms.can_use_dpo_console(user):
        raise Http404
    model = model_by_label(model_label)
    hist = model.history.model
    pk_name = model._meta.pk.attname
    records = list(hist.objects.filter(**{pk_name: pk}).order_by("history_date", "history_id")[:limit])
    entries = []
    prev = None
    for record in records:
        entries.append(_entry(model, record, prev))
        prev = record
    if model_label == "grc.citizen":
        entries += _merge_entries(pk, limit)
    entries.sort(key=lambda e: e.date, reverse=True)
    return entries[:limit]


def _merge_entries(citizen_pk, limit) -> list[HistoryEntry]:
    """Merges the citizen took part in, and the history of the citizens merged into it."""
    CitizenMerge = apps.get_model("grc", "CitizenMerge")
    Citizen = apps.get_model("grc", "Citizen")
    merges = list(
        CitizenMerge.objects.filter(models.Q(source_id=citizen_pk) | models.Q(target_id=citizen_pk)).order_by(
            "merged_at"
        )
    )
    entries = []
    for merge in merges:
        entries.append(
            HistoryEntry(
                model_label="grc.citizenmerge",
                model_name=str(CitizenMerge._meta.verbose_name),
                object_id=str(merge.pk),
                object_repr=_("Fusion de la fiche n° %(source)s dans la fiche n° %(target)s")
                % {"source": merge.source_id, "target": merge.target_id},
                kind=_("fusion annulée") if merge.undone_at else _("fusion"),
                date=merge.merged_at,
                user_id=merge.actor_id,
                reason=_("motif renseigné") if merge.reason else "",
                changes=[
                    Change(field=_("Champs choisis"), before="", after=", ".join(sorted(merge.field_choices)) or "—")
                ],
            )
        )
        if merge.undone_at:
            entries.append(
                HistoryEntry(
                    model_label="grc.citizenmerge",
                    model_name=str(CitizenMerge._meta.verbose_name),
                    object_id=str(merge.pk),
                    object_repr=_("Annulation de la fusion n° %(pk)s") % {"pk": merge.pk},
                    kind=_("annulation de fusion"),
                    date=merge.undone_at,
                    user_id=merge.undone_by_id,
                    reason="",
                )
            )
        if merge.target_id == int(citizen_pk):
            hist = Citizen.history.model
            source_records = list(
                hist.objects.filter(id=merge.source_id).order_by("history_date", "history_id")[:limit]
            )
            prev = None
            for record in source_records:
                entry = _entry(Citizen, record, prev)
                entry.object_repr = _("Fiche fusionnée n° %(pk)s") % {"pk": merge.source_id}
                entries.append(entry)
                prev = record
    return entries


def user_history(
    *, user, subject_id: int, before: datetime.datetime | None = None, page_size: int = 25
) -> tuple[list[HistoryEntry], datetime.datetime | None]:
    """Changes made by one user across every history model, newest first, one keyset page.

    One bounded query per history model (``history_user`` index, at most ``page_size`` rows), then
    a merge; returns the page and the cursor (the last entry's date) for the next one.
    """
    if not perms.can_use_dpo_console(user):
        raise Http404
    candidates = []
    for model in history_models():
        qs = model.history.model.objects.filter(history_user_id=subject_id)
        if before is not None:
            qs = qs.filter(history_date__lt=before)
        for record in qs.order_by("-history_date")[: page_size + 1]:
            candidates.append((record.history_date, model._meta.label_lower, record.history_id, model, record))
    top = heapq.nlargest(page_size + 1, candidates, key=lambda c: (c[0], c[1], c[2]))
    has_more = len(top) > page_size
    top = top[:page_size]
    entries = []
    for _date, _label, _hid, model, record in top:
        entries.extend(_entries(model, [record]))
    cursor = top[-1][0] if has_more and top else None
    return entries, cursor
