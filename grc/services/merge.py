"""Merging two citizen records, and undoing a merge.

Shaped like Wagtail's actions (``wagtail/actions/``): ``check()`` says whether the action may run
(``PermissionDenied`` for the actor, ``MergeError`` for the records), ``execute()`` checks again
under row locks and does the work in one transaction. Back-office views, the API and management
commands all go through these classes (or the ``citizen_merge`` / ``merge_undo`` shortcuts).

What hangs off a citizen is moved by the handlers of ``grc.merge_registry``; what each moved is
kept in ``CitizenMerge.moves`` so that undo can give it back.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc import merge_registry, perms
from grc.history import track as _track
from grc.models import Citizen, CitizenMerge, DuplicateSuspicion
from grc.services.citizens import IDENTITY_FIELDS, apply_normalised_fields

FIELD_CHOICES = ("source", "target")


class MergeError(ValidationError):
    """The records cannot be merged (or the merge undone) as asked; the message says why, in French."""


def _serialise(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _deserialise(name: str, value):
    return None if value is None else Citizen._meta.get_field(name).to_python(value)


def _lock(*citizens: Citizen) -> None:
    """Lock the citizens' rows (in id order, so two merges never deadlock) and reload them."""
    list(
        Citizen.objects.select_for_update()
        .filter(pk__in=[c.pk for c in citizens])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for citizen in citizens:
        citizen.refresh_from_db()


def _pair_suspicion(source: Citizen, target: Citizen, *, status: str | None = None):
    low, high = sorted((source.pk, target.pk))
    suspicions = DuplicateSuspicion.objects.filter(citizen_a_id=low, citizen_b_id=high)
    if status:
        suspicions = suspicions.filter(status=status)
    return suspicions.select_for_update().first()


class MergeCitizensAction:
    """Merge ``source`` (the record that goes away) into ``target`` (the survivor).

    ``field_choices`` maps identity fields (``grc.services.citizens.IDENTITY_FIELDS``) to
    ``"source"`` or ``"target"``: the survivor takes the chosen value (target by default).
    The loser stays as a redirect (``status=merged``, ``merged_into=target``) with its history.
    """

    action_name = "merge"

    def __init__(self, source, target, *, actor, reason, field_choices=None, suspicion=None):
        self.source = source
        self.target = target
        self.actor = actor
        self.reason = (reason or "").strip()
        self.field_choices = dict(field_choices or {})
        self.suspicion = suspicion

    def check(self) -> None:
        if not perms.can_merge_citizens(self.actor):
            raise PermissionDenied(_("Vous n'avez pas le droit de fusionner des usagers."))
        source, target = self.source, self.target
        if source.pk == target.pk:
            raise MergeError(_("Une fiche ne peut pas être fusionnée avec elle-même."), code="same_record")
        if source.is_merged:
            raise MergeError(_("La fiche à fusionner a déjà été fusionnée dans une autre."), code="source_merged")
        if target.is_merged:
            raise MergeError(
                _("La fiche à conserver a été fusionnée dans une autre : choisissez la fiche qui la remplace."),
                code="target_merged",
            )
        if source.user_id and target.user_id and source.user_id != target.user_id:
            raise MergeError(
                _(
                    "Les deux fiches sont liées à des comptes du portail différents : "
                    "détachez l'un des comptes avant de fusionner."
                ),
                code="two_portal_accounts",
            )
        if not self.reason:
            raise MergeError({"reason": ValidationError(_("Le motif de la fusion est obligatoire."), code="required")})
        unknown = sorted(set(self.field_choices) - set(IDENTITY_FIELDS))
        if unknown:
            message = _("Champ d'identité inconnu : %(fields)s.") % {"fields": ", ".join(map(str, unknown))}
            raise MergeError({"field_choices": ValidationError(message, code="unknown_field")})
        invalid = sorted(name for name, choice in self.field_choices.items() if choice not in FIELD_CHOICES)
        if invalid:
            message = _("Choix invalide pour %(fields)s : « source » ou « target » attendu.") % {
                "fields": ", ".join(invalid)
            }
            raise MergeError({"field_choices": ValidationError(message, code="invalid_choice")})
        if self.suspicion is not None and {self.suspicion.citizen_a_id, self.suspicion.citizen_b_id} != {
            source.pk,
            target.pk,
        }:
            raise MergeError(
                _("Cette suspicion de doublon ne concerne pas ces deux fiches."), code="suspicion_mismatch"
            )

    @transaction.atomic
    def execute(self) -> CitizenMerge:
        self.check()
        _lock(self.source, self.target)
        self.check()  # again, on the locked rows: a concurrent merge may have won
        source, target, actor = self.source, self.target, self.actor
        now = timezone.now()

        target_before = {name: _serialise(getattr(target, name)) for name in IDENTITY_FIELDS}

        # The loser leaves the active set first, so that its NIR may go to the survivor
        # without tripping the partial unique constraint on active NIRs.
        source.status = Citizen.Status.MERGED
        source.merged_into = target
        _track(source, actor, f"fusionnée dans l'usager n° {target.pk} : {self.reason}")
        source.save()

        for name, choice in self.field_choices.items():
            if choice == "source":
                setattr(target, name, getattr(source, name))
        apply_normalised_fields(citizen=target)
        _track(target, actor, f"fusion de l'usager n° {source.pk} : {self.reason}")
        target.save()

        moves = {}
        for handler in merge_registry.handlers():
            moves[handler.name] = handler.move(source=source, target=target, actor=actor)

        suspicion = self.suspicion or _pair_suspicion(source, target, status=DuplicateSuspicion.Status.OPEN)
        if suspicion is not None:
            suspicion.status = DuplicateSuspicion.Status.MERGED
            suspicion.decided_by = actor
            suspicion.decided_at = now
            suspicion.decision_note = self.reason
            _track(suspicion, actor, "fusion")
            suspicion.save()

        merge = CitizenMerge(
            source=source,
            target=target,
            suspicion=suspicion,
            actor=actor,
            reason=self.reason,
            field_choices=self.field_choices,
            target_before=target_before,
            moves=moves,
        )
        _track(merge, actor, "fusion")
        merge.save()
        return merge


class UndoMergeAction:
    """Undo a merge: the loser is active again and gets back what was moved.

    The survivor's identity fields taken from the loser go back to their values before the merge,
    unless they were changed since (a later correction is kept; history shows both).
    """

    action_name = "undo_merge"

    def __init__(self, merge: CitizenMerge, *, actor, reason):
        self.merge = merge
        self.actor = actor
        self.reason = (reason or "").strip()

    def check(self) -> None:
        if not perms.can_merge_citizens(self.actor):
            raise PermissionDenied(_("Vous n'avez pas le droit d'annuler une fusion."))
        merge = self.merge
        if merge.is_undone:
            raise MergeError(_("Cette fusion a déjà été annulée."), code="already_undone")
        if merge.target.is_merged:
            raise MergeError(
                _("La fiche conservée a depuis été fusionnée dans une autre : annulez d'abord cette fusion-là."),
                code="target_merged",
            )
        if merge.source.merged_into_id != merge.target_id:
            raise MergeError(_("La fiche fusionnée ne redirige plus vers la fiche conservée."), code="inconsistent")
        if not self.reason:
            message = _("Le motif de l'annulation est obligatoire.")
            raise MergeError({"reason": ValidationError(message, code="required")})

    @transaction.atomic
    def execute(self) -> CitizenMerge:
        merge = self.merge
        self.check()
        CitizenMerge.objects.select_for_update().filter(pk=merge.pk).values_list("pk", flat=True).first()
        merge.refresh_from_db()
        source, target, actor = merge.source, merge.target, self.actor
        _lock(source, target)
        self.check()
        now = timezone.now()

        # Identity fields the survivor took from the loser go back, unless corrected since.
        restored = {
            name: _deserialise(name, merge.target_before[name])
            for name, choice in merge.field_choices.items()
            if choice == "source" and name in merge.target_before and getattr(target, name) == getattr(source, name)
        }
        if source.nir and (
            restored.get("nir", target.nir) == source.nir
            or Citizen.objects.filter(nir=source.nir, status=Citizen.Status.ACTIVE)
            .exclude(pk__in=[source.pk, target.pk])
            .exists()
        ):
            raise MergeError(
                _("Le NIR de la fiche fusionnée a depuis été attribué à une autre fiche : annulation impossible."),
                code="nir_taken",
            )

        for handler in reversed(merge_registry.handlers()):
            if handler.name in merge.moves:
                handler.restore(source=source, target=target, moved=merge.moves[handler.name], actor=actor)

        for name, value in restored.items():
            setattr(target, name, value)
        apply_normalised_fields(citizen=target)
        _track(target, actor, f"annulation de la fusion de l'usager n° {source.pk} : {self.reason}")
        target.save()

        source.status = Citizen.Status.ACTIVE
        source.merged_into = None
        _track(source, actor, f"annulation de la fusion dans l'usager n° {target.pk} : {self.reason}")
        source.save()

        suspicion = merge.suspicion
        if suspicion is not None and suspicion.status == DuplicateSuspicion.Status.MERGED:
            suspicion.status = DuplicateSuspicion.Status.OPEN
            suspicion.decided_by = None
            suspicion.decided_at = None
            suspicion.decision_note = _("Fusion annulée : %(reason)s") % {"reason": self.reason}
            _track(suspicion, actor, "annulation de la fusion")
            suspicion.save()

        merge.undone_at = now
        merge.undone_by = actor
        merge.undo_reason = self.reason
        _track(merge, actor, "annulation")
        merge.save()
        return merge


def citizen_merge(
    *, source: Citizen, target: Citizen, actor, reason: str, field_choices: dict | None = None, suspicion=None
) -> CitizenMerge:
    """Merge ``source`` into ``target`` (see ``MergeCitizensAction``); raises PermissionDenied or MergeError."""
    return MergeCitizensAction(
        source, target, actor=actor, reason=reason, field_choices=field_choices, suspicion=suspicion
    ).execute()


def merge_undo(*, merge: CitizenMerge, actor, reason: str) -> CitizenMerge:
    """Undo ``merge`` (see ``UndoMergeAction``); raises PermissionDenied or MergeError."""
    return UndoMergeAction(merge, actor=actor, reason=reason).execute()


def merge_preview(*, source: Citizen) -> dict[str, int]:
    """How many records each handler would move from ``source`` (for the confirmation screen)."""
    return {handler.name: handler.count(citizen=source) for handler in merge_registry.handlers() if handler.count}
