"""GDPR rights register, access-right archives, third-party withholdings and retention rules.

* ``GdprRequest``: one request from a person exercising a right (Art. 15 to 21 RGPD) with its legal
  deadline: one month from receipt, extendable once by two months with a reason (Art. 12(3)).
* ``AccessArchive``: the ZIP (JSON + readable PDF + files) compiled for an access request.
* ``ErasureExecution``: one erasure (Art. 17) the DPO asked for on an erasure request, carried out by the
  background worker.
* ``Withholding``: a note or document flagged as holding third-party information, left out of
  access archives (the archive says so).
* ``RetentionRule`` / ``RetentionRun`` / ``RetentionExport`` / ``RetentionWarning``: how long each
  purpose keeps data, each application of a rule, the export for the Archives départementales written
  before destruction, and the warning e-mails sent to inactive portal accounts.

Writes go through ``privacy.services`` and ``privacy.retention``.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from grc.scheduling import lease_cutoff

from .storage import privacy_storage


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


class GdprRequest(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access", _("Droit d'accès (art. 15)")
        RECTIFICATION = "rectification", _("Droit de rectification (art. 16)")
        ERASURE = "erasure", _("Droit à l'effacement (art. 17)")
        RESTRICTION = "restriction", _("Droit à la limitation (art. 18)")
        PORTABILITY = "portability", _("Droit à la portabilité (art. 20)")
        OBJECTION = "objection", _("Droit d'opposition (art. 21)")

    class Channel(models.TextChoices):
        MAIL = "mail", _("Courrier")
        EMAIL = "email", _("Courriel")
        PORTAL = "portal", _("Portail")
        COUNTER = "counter", _("Accueil (guichet)")
        PHONE = "phone", _("Téléphone")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Reçue")
        IDENTITY_CHECK = "identity_check", _("Identité à vérifier")
        IN_PROGRESS = "in_progress", _("En cours de traitement")
        EXTENDED = "extended", _("Délai prolongé")
        ANSWERED = "answered", _("Répondue")
        REFUSED = "refused", _("Refusée")

    OPEN_STATUSES = (Status.RECEIVED, Status.IDENTITY_CHECK, Status.IN_PROGRESS, Status.EXTENDED)
    CLOSED_STATUSES = (Status.ANSWERED, Status.REFUSED)

    reference = models.CharField(_("référence"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("droit exercé"), max_length=20, choices=Kind.choices)
    citizen = models.ForeignKey(
        "grc.Citizen",
        verbose_name=_("usager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gdpr_requests",
    )
    # The requester's identity as written in the request (before it is matched to a citizen).
    requester_identity = models.TextField(_("identité déclarée du demandeur"))
    # What the person wrote about their request (what to correct, what they object to...): personal data,
    # anonymised with ``requester_identity``.
    details = models.TextField(_("précisions du demandeur"), blank=True)
    # The citizen's own portal account when they filed the request on the portal (their list in Mon espace,
    # one open request per kind); kept when the account is closed or erased (it is anonymised, not deleted).
    portal_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte du portail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_on = models.DateField(_("reçue le"))
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    deadline = models.DateField(_("échéance légale"), editable=False)
    extended_deadline = models.DateField(_("échéance prolongée"), null=True, blank=True, editable=False)
    extension_reason = models.TextField(_("motif de la prolongation"), blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chargé(e) du traitement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("notes internes"), blank=True)
    answered_on = models.DateField(_("répondue le"), null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    archive = models.ForeignKey(
        "AccessArchive",
        verbose_name=_("archive communiquée"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("demande d'exercice de droits RGPD")
        verbose_name_plural = _("registre des demandes RGPD")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="gdpr_refusal_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(extended_deadline__isnull=True) | ~Q(extension_reason=""),
                name="gdpr_extension_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="gdpr_status_deadline")]

    def __str__(self):
        return f"{self.reference} — {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("backoffice:privacy_request_detail", args=[self.pk])

    @property
    def due_date(self) -> datetime.date:
        """The deadline in force: the extended one when the request was extended."""
        return self.extended_deadline or self.deadline

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_late(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        if self.is_open:
            return self.due_date < today
        return self.answered_on is not None and self.answered_on > self.due_date

    def days_left(self, today: datetime.date | None = None) -> int:
        return (self.due_date - (today or timezone.localdate())).days


def _archive_path(instance, filename):
    return f"access/{instance.citizen_id}/{uuid.uuid4().hex}.zip"


class AccessArchive(models.Model):
    """What was compiled for one citizen's access request: a ZIP (archive.json, archive.pdf, files).

    Asked for in the register (state *pending*, no file yet), compiled by a background task
    (``privacy.tasks.compile_access_archive``), then *ready* with its file, or *failed* with a French
    message that names no one (the DPO asks again)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En préparation")
        READY = "ready", _("Prête")
        FAILED = "failed", _("En échec")

    citizen = models.ForeignKey("grc.Citizen", on_delete=models.PROTECT, related_name="+")
    gdpr_request = models.ForeignKey(
        GdprRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="archives"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # When a worker took the compilation (a pending archive whose worker died is found by its age).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # French, for the DPO; never a name, a file name or an exception's text (they may carry personal data).
    failure_message = models.TextField(_("motif de l'échec"), blank=True)
    include_staff_names = models.BooleanField(_("noms des agents communiqués"), default=False)
    content = models.FileField(storage=privacy_storage, upload_to=_archive_path, max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    # Counts per kind of record (no personal data).
    summary = models.JSONField(default=dict)
    # Set when the retention rule ``access_archive`` (or an erasure) removed the file: the row stays as the
    # proof of the answer (who built it, when, for which request, SHA-256).
    purged_at = models.DateTimeField(_("purgée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("archive de droit d'accès")
        verbose_name_plural = _("archives de droit d'accès")
        ordering = ["-created_at"]

    def __str__(self):
        return f"Archive n° {self.pk}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_purged(self) -> bool:
        """A ready archive whose file is gone (retention, erasure); a pending or failed one never had one."""
        return self.purged_at is not None or (self.is_ready and not self.content)

    def is_stalled(self, now: datetime.datetime | None = None) -> bool:
        """Pending for longer than any compilation takes: its worker died (or none picked it up)."""
        return self.is_pending and (self.started_at or self.created_at) < lease_cutoff(
            "PRIVACY_ARCHIVE_LEASE_SECONDS", now
        )

    @property
    def is_live(self) -> bool:
        """Being prepared, and not lost: the register entry refreshes itself meanwhile."""
        return self.is_pending and not self.is_stalled()


class ErasureExecution(models.Model):
    """One erasure (Art. 17) the DPO asked for on an erasure request: recorded *pending* by the register
    (``privacy.retention.erasure_request``), carried out by the background task
    (``privacy.tasks.execute_erasure``: *running*, then *done* with the retention runs it made, or
    *failed* with a French reason that names no one). Nothing personal is stored here."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("En échec")

    ACTIVE_STATUSES = (Status.PENDING, Status.RUNNING)

    gdpr_request = models.ForeignKey(GdprRequest, on_delete=models.PROTECT, related_name="erasures")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("demandé par"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # When a worker took it (a running erasure whose worker died is found by its age).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # French, for the DPO; never a name or an exception's text (they may carry personal data).
    error = models.TextField(_("motif de l'échec"), blank=True)
    # The RetentionRun ids it made (one per purpose involved) and how many exports for the Archives
    # départementales they wrote: counts and ids only.
    run_ids = models.JSONField(default=list, blank=True)
    export_count = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exécution d'un effacement")
        verbose_name_plural = _("exécutions d'effacements")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Effacement n° {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.RUNNING

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    def is_stalled(self, now: datetime.datetime | None = None) -> bool:
        """Pending or running for longer than any erasure takes: no worker took it, or its worker died."""
        return self.is_active and (self.started_at or self.requested_at) < lease_cutoff(
            "PRIVACY_ERASURE_LEASE_SECONDS", now
        )

    @property
    def is_live(self) -> bool:
        """Waiting for the worker or running, and not lost: the register entry refreshes itself meanwhile."""
        return self.is_active and not self.is_stalled()


class Withholding(models.Model):
    """A note, document or letter holding third-party information: left out of access archives (and said so)."""

    note = models.OneToOneField(
        "dossier_unique.Note", null=True, blank=True, on_delete=models.CASCADE, related_name="withholding"
    )
    document = models.OneToOneField(
        "dossier_unique.Document", null=True, blank=True, on_delete=models.CASCADE, related_name="withholding"
    )
    mail_item = models.OneToOneField(
        "mail.MailItem", null=True, blank=True, on_delete=models.CASCADE, related_name="withholding"
    )
    reason = models.CharField(_("motif"), max_length=255)
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    flagged_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("élément non communicable")
        verbose_name_plural = _("éléments non communicables")
        constraints = [
            models.CheckConstraint(
                condition=Q(note__isnull=False, document__isnull=True, mail_item__isnull=True)
                | Q(note__isnull=True, document__isnull=False, mail_item__isnull=True)
                | Q(note__isnull=True, document__isnull=True, mail_item__isnull=False),
                name="withholding_exactly_one_target",
            )
        ]

    def __str__(self):
        return f"Retenue n° {self.pk}"


class RetentionRule(models.Model):
    """How long one purpose keeps its data, why (legal reference) and what happens at the end."""

    class Purpose(models.TextChoices):
        SOCIAL_FILE = "social_file", _("Dossiers sociaux (après le dernier contact)")
        ACCESS_LOG = "access_log", _("Journal des accès")
        PORTAL_ACCOUNT = "portal_account", _("Comptes du portail inactifs")
        REQUEST = "request", _("Demandes (après la décision)")
        MAIL = "mail", _("Courriers entrants (après traitement)")
        ACCESS_ARCHIVE = "access_archive", _("Archives de droit d'accès (après leur constitution)")
        GDPR_REGISTER = "gdpr_register", _("Registre des demandes RGPD")
        APPOINTMENT = "appointment", _("Rendez-vous (après leur date)")
        APPOINTMENT_SMS = "appointment_sms", _("Texte des SMS de rendez-vous (après l'envoi)")
        HELP_SESSION = "help_session", _("Séances d'aide numérique (lien avec l'usager)")
        RDV_INVITATION = "rdv_invitation", _("Invitations à prendre rendez-vous (après leur fin)")
        RIGHTS_ESTIMATE = "rights_estimate", _("Estimations des droits enregistrées (après l'estimation)")

    purpose = models.CharField(_("finalité"), max_length=20, choices=Purpose.choices, unique=True)
    label = models.CharField(_("libellé"), max_length=200)
    duration_months = models.PositiveSmallIntegerField(_("durée de conservation (mois)"))
    legal_reference = models.TextField(_("référence légale"))
    warning_days = models.PositiveSmallIntegerField(
        _("préavis (jours)"), default=0, help_text=_("Comptes du portail : courriel d'avertissement avant la fin.")
    )
    export_before_destruction = models.BooleanField(
        _("verser aux Archives départementales avant destruction"), default=True
    )
    is_active = models.BooleanField(_("appliquée"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("règle de conservation")
        verbose_name_plural = _("règles de conservation")
        ordering = ["purpose"]

    def __str__(self):
        return self.label

    def cutoff(self, now: datetime.datetime | None = None) -> datetime.datetime:
        """Data whose reference date is before this moment has passed its retention period."""
        now = now or timezone.now()
        local = timezone.localtime(now)
        day = add_months(local.date(), -int(self.duration_months))
        return local.replace(year=day.year, month=day.month, day=day.day)


def _export_path(instance, filename):
    return f"retention/{instance.run.rule.purpose}/{timezone.now():%Y%m%d}-{uuid.uuid4().hex}.zip"


class RetentionRun(models.Model):
    """One application (or dry run) of one rule: who, when, what it counted and did."""

    class Status(models.TextChoices):
        # A dry run asked for from the screen, waiting for the worker (``started_at``: when it was asked).
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminée")
        FAILED = "failed", _("En échec")

    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="runs")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dry_run = models.BooleanField(_("simulation"), default=False)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    cutoff = models.DateTimeField(_("date limite"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    # {"candidates": n, "anonymised": n, "deleted_files": n, ...}: counts only.
    counts = models.JSONField(default=dict)
    # Dry runs: the list of what would go ([{"type", "id", "label", "reference_date"}]), no names.
    items = models.JSONField(default=list)
    error = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("application d'une règle de conservation")
        verbose_name_plural = _("applications des règles de conservation")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.rule} — {self.started_at:%d/%m/%Y %H:%M}"


# The dry runs asked from the retention screen: waiting for, or taken by, a worker (one lease).
DRY_RUN_LEASE = "PRIVACY_DRY_RUN_LEASE_SECONDS"


def _live_dry_runs(now: datetime.datetime | None = None):
    # A queued run's started_at is when it was asked; a running one's, when its worker took it.
    return RetentionRun.objects.filter(
        dry_run=True,
        status__in=[RetentionRun.Status.QUEUED, RetentionRun.Status.RUNNING],
        started_at__gte=lease_cutoff(DRY_RUN_LEASE, now),
    )


def dry_runs_in_progress(now: datetime.datetime | None = None) -> dict[int, str]:
    """The rules with a dry run not lost (within the lease), by id: "waiting" (queued, not yet taken by a
    worker) or "running". One query for the retention page."""
    return {
        rule_id: "waiting" if status == RetentionRun.Status.QUEUED else "running"
        for rule_id, status in _live_dry_runs(now).values_list("rule_id", "status")
    }


def dry_run_in_progress(rule) -> bool:
    """A dry run of ``rule`` is queued or running (and not lost)."""
    return _live_dry_runs().filter(rule=rule).exists()


def dry_run_state(run: RetentionRun, now: datetime.datetime | None = None) -> str:
    """What the screens say of ``run``: "waiting" (queued), "running", "lost" (queued or running for longer
    than the lease: no worker took it, or its worker died) or "" (finished, or not a dry run)."""
    if not run.dry_run or run.status not in (RetentionRun.Status.QUEUED, RetentionRun.Status.RUNNING):
        return ""
    if run.started_at < lease_cutoff(DRY_RUN_LEASE, now):
        return "lost"
    return "waiting" if run.status == RetentionRun.Status.QUEUED else "running"


class RetentionExport(models.Model):
    """One batch exported for the Archives départementales before it was destroyed."""

    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="exports")
    content = models.FileField(storage=privacy_storage, upload_to=_export_path, max_length=255)
    item_count = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("versement aux Archives départementales")
        verbose_name_plural = _("versements aux Archives départementales")
        ordering = ["created_at"]

    def __str__(self):
        return f"Versement n° {self.pk}"


class RetentionWarning(models.Model):
    """The e-mail telling an inactive portal account it will be closed (sent once per inactivity)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    closes_on = models.DateField()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("avertissement de fermeture de compte")
        verbose_name_plural = _("avertissements de fermeture de compte")

    def __str__(self):
        return f"{self.user_id} {self.sent_at:%d/%m/%Y}"


class RetentionDone(models.Model):
    """An object a rule has already anonymised (so later runs do not pick it again)."""

    purpose = models.CharField(max_length=20, choices=RetentionRule.Purpose.choices)
    object_id = models.BigIntegerField()
    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("objet traité par la conservation")
        verbose_name_plural = _("objets traités par la conservation")
        constraints = [models.UniqueConstraint(fields=["purpose", "object_id"], name="retention_done_once")]

    def __str__(self):
        return f"{self.purpose}:{self.object_id}"
