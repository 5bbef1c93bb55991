from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .citizens import Citizen


class DuplicateSuspicion(models.Model):
    """Two citizens that may be the same person; ``citizen_a_id < citizen_b_id`` always.

    A dismissed pair is never raised again by detection (the pair is unique).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("À examiner")
        DISMISSED = "dismissed", _("Pas un doublon")
        MERGED = "merged", _("Fusionnés")

    citizen_a = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+")
    citizen_b = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("raisons"), default=list)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("motif"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("suspicion de doublon")
        verbose_name_plural = _("suspicions de doublon")
        constraints = [
            models.UniqueConstraint(fields=["citizen_a", "citizen_b"], name="one_suspicion_per_pair"),
            models.CheckConstraint(condition=Q(citizen_a__lt=F("citizen_b")), name="suspicion_pair_ordered"),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="suspicion_status_score")]

    def __str__(self):
        return f"{self.citizen_a_id} ~ {self.citizen_b_id} ({self.score:.2f})"


class CitizenMerge(models.Model):
    """A merge of ``source`` (the losing record) into ``target`` (the survivor), undoable.

    ``target_before`` keeps the survivor's identity fields before the merge; ``moves`` lists, per
    merge handler, what was moved (see ``grc.merge_registry``), so undo can put it back.
    """

    source = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="merges_as_source")
    target = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="merges_as_target")
    suspicion = models.ForeignKey(DuplicateSuspicion, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("motif"))
    field_choices = models.JSONField(default=dict)
    target_before = models.JSONField(default=dict)
    moves = models.JSONField(default=dict)
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undo_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fusion d'usagers")
        verbose_name_plural = _("fusions d'usagers")
        ordering = ["-merged_at"]

    def __str__(self):
        return f"{self.source_id} → {self.target_id}"

    @property
    def is_undone(self):
        return self.undone_at is not None
