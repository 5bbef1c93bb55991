"""Writes of the annuaire: claims of structures, moderation of proposed changes, orientations.

Every write keeps its history (simple_history, with the acting user and a reason). A representative's or a
partner's change is never applied directly: ``change_propose`` stores it pending, the Info sociale team publishes
(``change_publish``) or rejects it (``change_reject``). Imports write through ``annuaire.importing``, which shows
its changes before applying them.
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier_unique import perms as du_perms
from dossier_unique.models import TimelineEntry
from dossier_unique.timeline import timeline_record
from grc.history import save_tracked

from . import cache, perms, tasks
from .models import SOURCE, PendingChange, Representative, Structure, siret_is_valid
from .moderation import is_moderated, moderated


def _json_value(value):
    """A model value as stored in a proposal (the pk for a related object, ISO for dates)."""
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def _current_values(obj, fields) -> dict:
    """The values ``fields`` have on ``obj`` now, in the proposal's JSON shape (for diffs)."""
    return {name: _json_value(getattr(obj, obj._meta.get_field(name).attname)) for name in fields}


def _structure_of(obj):
    if isinstance(obj, Structure):
        return obj
    return getattr(obj, "structure", None)


def _may_propose(user, entry, target, data) -> bool:
    if entry.can_propose is not None:
        return entry.can_propose(user, target)
    if perms.is_info_sociale(user):
        return True
    if target is not None:
        return perms.can_edit_structure(user, _structure_of(target))
    if "structure" in data:  # a new service: a representative of the structure it belongs to
        pk = str(data["structure"])
        structure = Structure.objects.filter(pk=pk).first() if pk.isdigit() else None
        return structure is not None and perms.can_edit_structure(user, structure)
    return perms.can_claim(user)


@transaction.atomic
def structure_claim(*, user, structure: Structure, siret: str, message: str = "") -> Representative:
    """Ask to represent ``structure``: the SIRET given must pass its checksum and be the structure's own.

    The claim waits for the Info sociale team (``representative_validate``). A second live claim of the same
    account on the same structure is refused.
    """
    if not perms.can_claim(user):
        raise PermissionDenied
    siret = "".join((siret or "").split())
    if not siret_is_valid(siret):
        raise ValidationError({"siret": _("Numéro SIRET invalide : 14 chiffres dont le dernier est une clé.")})
    if not structure.siret or siret != structure.siret:
        raise ValidationError({"siret": _("Ce SIRET n'est pas celui de la structure.")})
    live = Representative.objects.filter(
        user=user, structure=structure, status__in=[Representative.Status.PENDING, Representative.Status.VALIDATED]
    )
    if live.exists():
        raise ValidationError(_("Vous avez déjà une demande en cours ou validée pour cette structure."))
    claim = Representative(user=user, structure=structure, siret=siret, message=(message or "")[:2000])
    return save_tracked(claim, user, "demande de rattachement")


def _decide_claim(user, representative: Representative, status: str, reason: str) -> Representative:
    if not perms.can_moderate(user):
        raise Http404
    representative = Representative.objects.select_for_update().get(pk=representative.pk)
    if representative.status != Representative.Status.PENDING:
        raise ValidationError(_("Cette demande a déjà été traitée."))
    representative.status = status
    representative.validated_by = user
    representative.decided_at = timezone.now()
    representative.reason = (reason or "")[:500]
    saved = save_tracked(representative, user, "rattachement " + status)
    # The claimant learns the decision by e-mail once it is committed (the worker sends it; the queue holds the id).
    pk = saved.pk
    transaction.on_commit(lambda: tasks.claim_decision_email.enqueue(pk))
    return saved


@transaction.atomic
def representative_validate(*, user, representative: Representative) -> Representative:
    """The Info sociale team accepts a claim: the account may now propose changes to the structure."""
    return _decide_claim(user, representative, Representative.Status.VALIDATED, "")


@transaction.atomic
def representative_refuse(*, user, representative: Representative, reason: str) -> Representative:
    """The Info sociale team refuses a claim, saying why (the reason is shown to the claimant)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Indiquez le motif du refus.")})
    return _decide_claim(user, representative, Representative.Status.REFUSED, reason)


@transaction.atomic
def representative_withdraw(*, user, representative: Representative) -> Representative:
    """The account steps down from a structure it represents (or cancels its pending claim).

    Rules: only the account's own claim, pending or validated, else ``Http404``. The claim is kept, marked
    withdrawn, with history; from then on the account may no longer propose changes to the structure, and it
    may claim it again later (a new claim, validated again).
    """
    if representative.user_id != getattr(user, "pk", None):
        raise Http404
    representative = Representative.objects.select_for_update().get(pk=representative.pk)
    live = (Representative.Status.PENDING, Representative.Status.VALIDATED)
    if representative.status not in live:
        raise ValidationError(_("Ce rattachement n'est plus en cours."))
    representative.status = Representative.Status.WITHDRAWN
    representative.decided_at = timezone.now()
    representative.reason = _("Retrait à l'initiative du représentant.")
    return save_tracked(representative, user, "retrait du représentant")


@transaction.atomic
def change_propose(*, user, target=None, model=None, data: dict) -> PendingChange:
    """Propose ``data`` (field -> value) for ``target``, or a new record of ``model`` when ``target`` is None.

    The values are checked now (the author learns at once what is wrong: ``ValidationError`` by field), and
    only the fields that differ from the record are kept; a proposal changing nothing is refused. Nothing is
    published: the change waits in the Info sociale team's queue.
    """
    model = type(target) if target is not None else model
    if model is None or not is_moderated(model):
        raise ValueError("not a moderated model")
    entry = moderated(model)
    if not _may_propose(user, entry, target, data):
        raise Http404
    data = dict(data or {})
    entry.validate(data, target)
    if target is not None:
        now = _current_values(target, [name for name in data if name in entry.fields])
        data = {name: value for name, value in data.items() if now.get(name) != value}
    if not data:
        raise ValidationError(_("Aucune modification par rapport à la fiche publiée."))
    change = PendingChange(
        content_type=ContentType.objects.get_for_model(model),
        object_id=target.pk if target is not None else None,
        data=data,
        author=user,
    )
    return save_tracked(change, user, "proposition")


def _touch(obj) -> None:
    """A published change is an update by the people who know: the record is fresh again."""
    if hasattr(obj, "updated_at"):
        obj.updated_at = timezone.now()
    if hasattr(obj, "date_maj"):
        obj.date_maj = timezone.localdate()


@transaction.atomic
def change_publish(*, user, change: PendingChange):
    """Publish a pending change: re-checked against the record as it is now, applied with history, the record's
    ``updated_at``/``date_maj`` renewed. Returns the record (created for a new-record proposal)."""
    if not perms.can_moderate(user):
        raise Http404
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    if change.status != PendingChange.Status.PENDING:
        raise ValidationError(_("Cette modification a déjà été traitée."))
    model = change.content_type.model_class()
    entry = moderated(model)
    target = model.objects.select_for_update().filter(pk=change.object_id).first() if change.object_id else None
    if change.object_id and target is None:
        raise ValidationError(_("La fiche concernée n'existe plus."))
    values = entry.validate(change.data, target)
    created = target is None
    obj = target if target is not None else model()
    if created and hasattr(obj, "di_id") and not obj.di_id:
        obj.di_id = f"{SOURCE}--{uuid.uuid4().hex[:12]}"
    for name, value in values.items():
        setattr(obj, name, value)
    _touch(obj)
    if hasattr(obj, "stale_reminded_at"):  # fresh again: a later staleness starts a new reminder
        obj.stale_reminded_at = None
    save_tracked(obj, user, f"modération : proposition n° {change.pk} publiée")
    change.status = PendingChange.Status.PUBLISHED
    change.reviewer = user
    change.reviewed_at = timezone.now()
    if created:
        change.object_id = obj.pk
    save_tracked(change, user, "publiée")
    if entry.after_publish is not None:
        entry.after_publish(obj, created)
    cache.bump()
    return obj


@transaction.atomic
def change_reject(*, user, change: PendingChange, reason: str) -> PendingChange:
    """Reject a pending change, saying why (shown to its author); the record is untouched."""
    if not perms.can_moderate(user):
        raise Http404
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Indiquez le motif du refus.")})
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    if change.status != PendingChange.Status.PENDING:
        raise ValidationError(_("Cette modification a déjà été traitée."))
    change.status = PendingChange.Status.REJECTED
    change.reviewer = user
    change.reviewed_at = timezone.now()
    change.reason = reason.strip()[:500]
    return save_tracked(change, user, "refusée")


@transaction.atomic
def orientation_record(*, user, file, service, comment: str = ""):
    """Record on the person's timeline that the agent oriented them to ``service`` (kind ``orientation``).

    Rules: an agent who may write in the social file (``dossier_unique.perms.can_write_note``), else ``Http404``.
    The entry says which service and structure, and points to the service (``source``); the comment is the
    agent's own words, kept short.
    """
    if not (perms.can_orient(user) and du_perms.can_write_note(user, file)):
        raise Http404
    title = _("Orientation vers « %(service)s » (%(structure)s)") % {
        "service": service.nom,
        "structure": service.structure.nom,
    }
    if comment.strip():
        title = f"{title} — {comment.strip()}"
    return timeline_record(
        citizen_id=file.citizen_id, kind=TimelineEntry.Kind.ORIENTATION, title=title, actor=user, file=file,
        source=service,
    )  # fmt: skip
