"""Incoming mail (courrier entrant): scanned, recognised, qualified, routed, handled.

Status: received → recognised (OCR done, suggestions ready) → qualified (an agent confirmed citizen,
type, team) → routed (in the team's queue, on the citizen's timeline) → handled. ``manual`` is
recognition that failed or timed out (``failure_reason``); a retry puts it back to ``received``.
The original scan is immutable and unique by SHA-256: re-uploading it records a ``MailDuplicateUpload``
on the first item instead of creating another.
"""

from __future__ import annotations

import regex
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dossier_unique.documents import document_storage
from grc.models import Team


class MailType(models.Model):
    """A kind of letter (demande d'aide, réclamation, pièce justificative...) and its service level."""

    name = models.CharField(_("nom"), max_length=150, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    # The programme a letter of this type leads to: within it, the team is the one of the citizen's CDAS
    # sector (mail.suggest.territory), or the programme's single team when it is Département-wide.
    programme = models.CharField(
        _("programme"),
        max_length=20,
        choices=Team.Kind.choices,
        blank=True,
        help_text=_("Le type d'équipe qui traite ces courriers ; l'équipe vient ensuite du secteur de l'usager."),
    )
    default_team = models.ForeignKey(
        "grc.Team",
        verbose_name=_("équipe par défaut"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    service_level_days = models.PositiveSmallIntegerField(_("délai de traitement (jours)"), default=15)
    acknowledgement_enabled = models.BooleanField(_("accusé de réception"), default=False)
    acknowledgement_text = models.TextField(_("texte de l'accusé de réception"), blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("type de courrier")
        verbose_name_plural = _("types de courrier")
        ordering = ["name"]

    def __str__(self):
        return self.name


class RoutingRule(models.Model):
    """A rule functional admins edit: if the letter matches, suggest this type and/or team."""

    name = models.CharField(_("nom"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveSmallIntegerField(
        _("priorité"), default=100, help_text=_("Plus petit = examinée d'abord.")
    )
    keywords = models.TextField(_("mots-clés"), blank=True, help_text=_("Un mot ou une expression par ligne."))
    pattern = models.CharField(_("motif (expression régulière)"), max_length=500, blank=True)
    sender = models.CharField(_("expéditeur contient"), max_length=255, blank=True)
    mail_type = models.ForeignKey(
        MailType, verbose_name=_("type proposé"), null=True, blank=True, on_delete=models.PROTECT, related_name="rules"
    )
    team = models.ForeignKey(
        "grc.Team",
        verbose_name=_("équipe proposée"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("règle d'aiguillage")
        verbose_name_plural = _("règles d'aiguillage")
        ordering = ["priority", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.pattern:
            try:
                regex.compile(self.pattern, regex.IGNORECASE)
            except regex.error as error:
                raise ValidationError(
                    {"pattern": _("Expression régulière invalide : %(error)s.") % {"error": error}}
                ) from None


class MailBatch(models.Model):
    """One upload session (a screen batch or a scanning station's run)."""

    class Source(models.TextChoices):
        SCREEN = "screen", _("Écran courrier")
        API = "api", _("Poste de numérisation (API)")

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SCREEN)
    label = models.CharField(_("libellé"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("lot de numérisation")
        verbose_name_plural = _("lots de numérisation")

    def __str__(self):
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.label}"


class RegistrationCounter(models.Model):
    """Last registration number given in a year; locked (SELECT ... FOR UPDATE) to stay gap-free."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


def mail_original_path(instance, filename):
    return f"mail/{instance.sha256[:2]}/{instance.sha256}"


class MailItem(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Reçu")
        RECOGNISED = "recognised", _("Reconnu")
        MANUAL = "manual", _("À traiter manuellement")
        QUALIFIED = "qualified", _("Qualifié")
        ROUTED = "routed", _("Aiguillé")
        HANDLED = "handled", _("Traité")

    # "2026-C-000123": year, C for courrier, six digits; gap-free per year.
    registration_number = models.CharField(_("numéro d'enregistrement"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    batch = models.ForeignKey(MailBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="items")
    original = models.FileField(storage=document_storage, upload_to=mail_original_path, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, unique=True)
    page_count = models.PositiveSmallIntegerField(_("pages"), default=0)
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    failure_reason = models.CharField(_("motif"), max_length=255, blank=True)

    # Recognition (written by the worker).
    ocr_text = models.TextField(_("texte reconnu"), blank=True)
    ocr_confidence = models.FloatField(_("confiance moyenne"), null=True, blank=True)
    ocr_attempts = models.PositiveSmallIntegerField(default=0)
    ocr_started_at = models.DateTimeField(null=True, blank=True)
    recognised_at = models.DateTimeField(null=True, blank=True)
    # {"citizen": [{"id", "score", "reasons": [...]}], "mail_type": [...], "team": [...],
    #  "due_date": "YYYY-MM-DD", "request": {...}}: confidences in [0, 1], reasons in French.
    suggestions = models.JSONField(_("suggestions"), default=dict, blank=True)
    sender = models.CharField(_("expéditeur"), max_length=255, blank=True)

    # Qualification (the agent's decision).
    citizen = models.ForeignKey(
        "grc.Citizen",
        verbose_name=_("usager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mail_items",
    )
    no_citizen = models.BooleanField(_("ne concerne pas un usager"), default=False)
    mail_type = models.ForeignKey(
        MailType, verbose_name=_("type"), null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    team = models.ForeignKey(
        "grc.Team",
        verbose_name=_("équipe"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mail_items",
    )
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    request = models.ForeignKey(
        "grc_requests.Request",
        verbose_name=_("demande liée"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mail_items",
    )
    qualified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    qualified_at = models.DateTimeField(null=True, blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent chargé"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_mail",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["ocr_text", "suggestions"])

    class Meta:
        verbose_name = _("courrier entrant")
        verbose_name_plural = _("courriers entrants")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="mail_number_unique_per_year"),
            models.CheckConstraint(condition=~(Q(no_citizen=True) & Q(citizen__isnull=False)), name="mail_no_citizen"),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="mail_status_received"),
            models.Index(fields=["team", "status", "due_date"], name="mail_team_queue"),
            models.Index(F("citizen"), F("received_at").desc(), name="mail_citizen_received"),
            # The classifier counts the decisions made since its last training (retrain every N).
            models.Index(fields=["qualified_at"], name="mail_qualified_at"),
        ]

    def __str__(self):
        return self.registration_number


class MailPage(models.Model):
    """One page of a scan: its OCR text and Tesseract's mean word confidence (0–100)."""

    item = models.ForeignKey(MailItem, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
    confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="mail_page_unique")]

    def __str__(self):
        return f"{self.item_id} p.{self.number}"


class MailDuplicateUpload(models.Model):
    """The same scan uploaded again: linked to the first item, never stored twice."""

    item = models.ForeignKey(MailItem, on_delete=models.CASCADE, related_name="duplicate_uploads")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255)
    batch = models.ForeignKey(MailBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("numérisation en double")
        verbose_name_plural = _("numérisations en double")

    def __str__(self):
        return f"{self.item_id} {self.original_name}"


class MailEvent(models.Model):
    """A step in a mail item's life shown in its history: routed, forwarded (with reason), handled..."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Reçu")
        RECOGNISED = "recognised", _("Reconnu")
        RECOGNITION_FAILED = "failed", _("Reconnaissance en échec")
        RETRIED = "retried", _("Relancé")
        QUALIFIED = "qualified", _("Qualifié")
        ROUTED = "routed", _("Aiguillé")
        ASSIGNED = "assigned", _("Attribué")
        FORWARDED = "forwarded", _("Transféré")
        HANDLED = "handled", _("Traité")
        ACKNOWLEDGED = "acknowledged", _("Accusé de réception produit")

    item = models.ForeignKey(MailItem, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    team = models.ForeignKey("grc.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.item_id} {self.kind}"


def mail_model_path(instance, filename):
    return f"mail/classifier/v{instance.version}-{instance.sha256[:16]}.joblib"


class MailModel(models.Model):
    """One trained version of the mail classifier (``mail.classifier``): its figures and its artefact.

    The artefact (a joblib file in the private storage) is loaded only if its SHA-256 matches
    ``sha256`` and it was written by the same scikit-learn version: unpickling runs code, so only
    files this application wrote are ever loaded. ``threshold`` is the calibrated confidence below
    which no type is preselected (abstention); ``sure_threshold`` the one from which a suggestion is
    said "sûr"; ``team_threshold`` and ``team_sure_threshold`` the same for the team.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("entraîné le"))
    examples = models.JSONField(_("exemples par type"), default=dict)
    corpus_examples = models.PositiveIntegerField(_("exemples du corpus de départ"), default=0)
    decision_examples = models.PositiveIntegerField(_("décisions des agents"), default=0)
    evaluation = models.JSONField(_("évaluation (validation croisée)"), default=dict)
    threshold = models.FloatField(_("seuil d'abstention"))
    sure_threshold = models.FloatField(_("seuil « sûr »"))
    # The team's thresholds, on the summed probabilities of the types leading to one team (a programme):
    # an APA/PCH hesitation is no hesitation about the team. Empty on versions trained before them.
    team_threshold = models.FloatField(_("seuil d'abstention (équipe)"), null=True, blank=True)
    team_sure_threshold = models.FloatField(_("seuil « sûr » (équipe)"), null=True, blank=True)
    artefact = models.FileField(storage=document_storage, upload_to=mail_model_path, max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    sklearn_version = models.CharField(max_length=20)
    duration_s = models.FloatField(_("durée de l'entraînement (s)"), default=0)
    # The earliest qualification among the agents' decisions it learned from (empty: none, or a version
    # trained before this was recorded): with ``trained_at``, which letters' text the artefact may hold.
    decisions_from = models.DateTimeField(_("décisions apprises depuis le"), null=True, blank=True)

    class Meta:
        verbose_name = _("modèle d'aiguillage du courrier")
        verbose_name_plural = _("modèles d'aiguillage du courrier")
        ordering = ["-version"]

    def __str__(self):
        return f"v{self.version}"


class MailModelTraining(models.Model):
    """A training of the classifier asked for (by the functional admin, the schedule, or after N decisions),
    run by the worker; its progress is what the model page shows while it runs."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Demandé par l'administrateur fonctionnel")
        SCHEDULED = "scheduled", _("Planifié")
        VOLUME = "volume", _("Nouvelles qualifications")
        FORGET = "forget", _("Courriers effacés (conservation ou droit à l'effacement)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("En échec")

    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(_("origine"), max_length=10, choices=Trigger.choices)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    step = models.CharField(_("étape"), max_length=150, blank=True)
    error = models.CharField(_("erreur"), max_length=255, blank=True)
    model = models.ForeignKey(MailModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="trainings")

    class Meta:
        verbose_name = _("entraînement du modèle d'aiguillage")
        verbose_name_plural = _("entraînements du modèle d'aiguillage")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.requested_at:%d/%m/%Y %H:%M} {self.status}"
