"""Change history for the DPO: django-simple-history records as readable diffs (read by ``dpo.selectors``).

Every model with a ``history`` manager (simple-history) is covered, found through
``apps.get_models()``. A change shows the field's verbose name, the value before and after, who,
when and the reason. The DPO sees metadata, not contents: the content fields each model lists in
``CONTENT_FIELDS`` (a document's name and tags, a note's text, a letter's name…) and, as a safety
net, every free-text field (``TextField``), JSON payload and stored file show "modifié" (or
"renseigné" on creation) instead of their values. Merges: a citizen's history includes the merges
it took part in (``grc.CitizenMerge``) and the history of the records merged into it.

``citizens_of`` says whose data an object's history shows (the citizen of an address, of a file's
note…), so the DPO's read is logged against that person.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from grc.models import Citizen, CitizenMerge

HIDDEN = (models.TextField, models.JSONField, models.FileField, models.BinaryField)
SKIPPED = {"password", "last_login", "updated_at"}
# What a record says, as opposed to metadata about it: never shown, whatever the field's type (a
# document's original name and tags are short text fields but tell what the file is about). Fields a
# model keeps out of its history (``HistoricalRecords(excluded_fields=…)``, e.g. a letter's OCR text)
# never reach a diff and are not listed.
CONTENT_FIELDS = {
    "dossier_unique.document": {"original_name", "tags", "content"},
    "dossier_unique.note": {"text"},
    "dossier_unique.accompaniment": {"closing_reason"},
    "dossier_unique.emergencyaccess": {"reason", "dpo_comment"},
    "dossier_unique.sharinggrant": {"purpose", "family_not_informed_reason"},
    "grc_requests.request": {"answers", "missing_items", "decision_reason"},
    "grc_requests.requestmessage": {"body"},
    "grc_requests.requestattachment": {"original_name", "file"},
    "mail.mailitem": {"original_name", "original"},
    "privacy.withholding": {"reason"},
}


def history_models() -> list[type[models.Model]]:
    """Models with simple-history (their ``history`` attribute is a HistoryManager)."""
    found = []
    for model in apps.get_models():
        manager = getattr(model, "history", None)
        if manager is not None and hasattr(manager, "model") and hasattr(manager.model, "history_user_id"):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def model_by_label(label: str) -> type[models.Model]:
    """The history model labelled ``label`` (``Http404`` for any other label: it comes from the URL)."""
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


def _is_content(model, f) -> bool:
    return isinstance(f, HIDDEN) or f.name in CONTENT_FIELDS.get(model._meta.label_lower, ())


def _display(record, f, hidden: bool = False) -> str:
    value = getattr(record, f.attname, None)
    if hidden or isinstance(f, HIDDEN):
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


def entry_of(model, record, prev) -> HistoryEntry:
    """One history record as a diff against ``prev`` (the previous record of the same object, or None)."""
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
        hidden = _is_content(model, f)
        if prev is None:
            before, after_text = "", _display(record, f, hidden)
        elif hidden:
            before, after_text = "", _("modifié")
        else:
            before, after_text = _display(prev, f), _display(record, f)
        changes.append(Change(field=str(f.verbose_name), before=before, after=after_text))
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


def entries_of(model, records) -> list[HistoryEntry]:
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
        entries.append(entry_of(model, record, prev))
    return entries


CITIZEN = "grc.citizen"
# Records followed on the way from an object to its citizen (a note → its file → the citizen); staff,
# teams and places are not: they belong to no citizen.
_TOWARDS_CITIZEN = {
    "dossier_unique.socialfile",
    "dossier_unique.accompaniment",
    "dossier_unique.note",
    "dossier_unique.document",
    "grc_requests.request",
    "grc_requests.requestmessage",
    "mail.mailitem",
    "privacy.accessarchive",
}
# A citizen's portal account records: their user is the citizen's account (``Citizen.user``).
_ACCOUNT_OWNED = {
    "portal_accounts.citizenprofile",
    "portal_accounts.oidcidentity",
    "portal_accounts.accountdeletionrequest",
}


def citizens_of(model, pk) -> list[int]:
    """The citizens whose data the history of object ``pk`` shows (empty for staff, teams, rules…).

    Read from the object's latest history record (the object may be deleted since), then through the
    records it belongs to (``_TOWARDS_CITIZEN``, at most three steps): an address or a contact point
    gives its citizen, a note its file's citizen, a withholding its note's, a merge both records; a
    portal account (and its profile) the citizen whose account it is.
    """
    if model._meta.label_lower == CITIZEN:
        return [int(pk)]
    if model._meta.label_lower == "grc.user":
        return sorted(_citizens_of_account(pk))
    record = (
        model.history.model.objects.filter(**{model._meta.pk.attname: pk})
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None:
        return []
    return sorted(_citizens_from(model, lambda attname: getattr(record, attname, None), depth=3))


def _citizens_from(model, value_of, *, depth: int) -> set[int]:
    found = set()
    for f in model._meta.concrete_fields:
        if not isinstance(f, models.ForeignKey) or (value := value_of(f.attname)) is None:
            continue
        target = f.related_model
        if target._meta.label_lower == CITIZEN:
            found.add(value)
        elif target._meta.label_lower == "grc.user" and model._meta.label_lower in _ACCOUNT_OWNED:
            found |= _citizens_of_account(value)
        elif target._meta.label_lower in _TOWARDS_CITIZEN and depth > 1:
            keys = [g.attname for g in target._meta.concrete_fields if isinstance(g, models.ForeignKey)]
            row = target._default_manager.filter(pk=value).values(*keys).first()
            if row is None and hasattr(target, "history"):
                row = (
                    target.history.model.objects.filter(**{target._meta.pk.attname: value})
                    .order_by("-history_date", "-history_id")
                    .values(*keys)
                    .first()
                )
            if row is not None:
                found |= _citizens_from(target, row.get, depth=depth - 1)
    return found


def _citizens_of_account(user_id) -> set[int]:
    return set(Citizen.objects.filter(user_id=user_id).values_list("pk", flat=True))


def citizens_of_entries(entries) -> set[int]:
    """The citizens whose data a page of history entries shows (``citizens_of`` of each object)."""
    models_ = {m._meta.label_lower: m for m in history_models()}
    found = set()
    for label, object_id in {(e.model_label, e.object_id) for e in entries}:
        if label in models_:
            found.update(citizens_of(models_[label], object_id))
    return found


def merge_entries(citizen_pk, limit) -> list[HistoryEntry]:
    """Merges the citizen took part in, and the history of the citizens merged into it."""
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
                entry = entry_of(Citizen, record, prev)
                entry.object_repr = _("Fiche fusionnée n° %(pk)s") % {"pk": merge.source_id}
                entries.append(entry)
                prev = record
    return entries


Cursor = tuple[datetime.datetime, str, int]  # (history date, model label, history id) of a page's last entry


def encode_cursor(cursor: Cursor) -> str:
    date, label, history_id = cursor
    return f"{date.isoformat()}~{label}~{history_id}"


def decode_cursor(value: str) -> Cursor | None:
    """The cursor of ``encode_cursor``; None (the first page) for anything else."""
    try:
        date, label, history_id = value.split("~")
        date, history_id = datetime.datetime.fromisoformat(date), int(history_id)
    except ValueError:
        return None
    if date.tzinfo is None or not 0 < history_id < 2**63 or len(label) > 100:
        return None
    return date, label, history_id
