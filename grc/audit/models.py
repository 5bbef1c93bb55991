from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AccessLog(models.Model):
    """One row per read of personal data. Append-only.

    The application's runtime role may only SELECT and INSERT it (``grc/dbroles.py``); a database
    trigger also refuses UPDATE, DELETE and TRUNCATE, and a BEFORE INSERT trigger, under a
    transaction-scoped advisory lock, gives each row the next ``seq``, the hash of the row before
    it (``prev_hash``) and its own ``hash`` (SHA-256 over ``prev_hash`` and the row's fields).
    ``manage.py verify_access_log`` recomputes the chain. Foreign keys carry no database constraint:
    the log must outlive what it points to.
    """

    class Action(models.TextChoices):
        CITIZEN_VIEW = "citizen.view", _("Consultation de la fiche usager")
        CITIZEN_HISTORY_VIEW = "citizen.history", _("Consultation de l'historique usager")
        CITIZEN_SEARCH = "citizen.search", _("Recherche d'usagers")
        CITIZEN_MATCH = "citizen.match", _("Rapprochement d'identité")
        SUSPICION_VIEW = "suspicion.view", _("Examen d'une suspicion de doublon")
        API_READ = "api.read", _("Lecture par l'API")
        FILE_VIEW = "file.view", _("Consultation du dossier social")
        FILE_TIMELINE = "file.timeline", _("Consultation du parcours")
        FILE_NOTES = "file.notes", _("Consultation des notes du dossier")
        NOTE_VIEW = "note.view", _("Lecture d'une note")
        FILE_DOCUMENTS = "file.documents", _("Consultation des documents du dossier")
        DOCUMENT_DOWNLOAD = "document.download", _("Téléchargement d'un document")
        EMERGENCY_REVIEW = "emergency.review", _("Examen des accès d'urgence")
        # Requests (demandes)
        REQUEST_VIEW = "request.view", _("Consultation d'une demande")
        REQUEST_QUEUE = "request.queue", _("Consultation d'une file de demandes")
        REQUEST_ATTACHMENT_DOWNLOAD = "request.attachment", _("Téléchargement d'une pièce jointe de demande")
        # Mail (courrier entrant)
        MAIL_VIEW = "mail.view", _("Consultation d'un courrier")
        MAIL_SCAN_VIEW = "mail.scan", _("Affichage d'une numérisation")
        MAIL_QUEUE = "mail.queue", _("Consultation d'une bannette de courrier")
        # Appointments (rendez-vous)
        RDV_AGENDA = "rendezvous.agenda", _("Consultation d'un agenda de rendez-vous")
        RDV_VIEW = "rendezvous.view", _("Consultation d'un rendez-vous")
        # Digital help (accueil numérique)
        HELP_SESSION_VIEW = "accueil.view", _("Consultation des séances d'aide numérique")
        # Annuaire social: the accounts of structures' representatives and of the authors of proposals
        ANNUAIRE_QUEUE = "annuaire.queue", _("Consultation de la file de modération de l'annuaire")
        ANNUAIRE_CLAIM_VIEW = "annuaire.claim", _("Consultation d'une demande de rattachement à une structure")
        ANNUAIRE_CHANGE_VIEW = "annuaire.change", _("Consultation d'une proposition de modification de l'annuaire")
        # Rights estimates (droits): the list of possible non-recours, one row per person shown
        RIGHTS_NONRECOURS_LIST = "droits.nonrecours", _("Consultation de la liste des non-recours possibles")
        # Search
        SEARCH_QUERY = "search.query", _("Recherche")
        SEARCH_RESULT_OPEN = "search.open", _("Ouverture d'un résultat de recherche")
        # Exports, citizens' own data, DPO
        EXPORT = "export", _("Export de données")
        CITIZEN_SELF_VIEW = "citizen.self", _("Consultation par l'usager de ses propres données")
        CITIZEN_DATA_DOWNLOAD = "citizen.download", _("Téléchargement de ses données par l'usager")
        DPO_LOG_VIEW = "dpo.log", _("Consultation du journal par le DPO")
        DPO_LOG_EXPORT = "dpo.export", _("Export du journal par le DPO")
        DPO_HISTORY_VIEW = "dpo.history", _("Consultation de l'historique des modifications")
        DPO_ALERT_VIEW = "dpo.alert", _("Examen d'une alerte")
        GDPR_ACCESS_ARCHIVE = "gdpr.archive", _("Constitution d'une archive de droit d'accès")
        RETENTION_EXPORT = "retention.export", _("Export pour les Archives départementales")

    seq = models.BigIntegerField(unique=True, editable=False, null=True)
    at = models.DateTimeField(_("date (UTC)"), db_default=models.functions.Now(), editable=False)
    # No single-column indexes on actor and citizen: (actor, at) and (citizen, at) serve those lookups.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    object_type = models.CharField(_("type d'objet"), max_length=60, blank=True)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    citizen = models.ForeignKey(
        "grc.Citizen", null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    purpose = models.CharField(_("finalité / justification"), max_length=255, blank=True)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True)
    request_id = models.CharField(_("identifiant de requête"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False, blank=True)
    hash = models.CharField(max_length=64, editable=False, blank=True)

    class Meta:
        verbose_name = _("accès à des données personnelles")
        verbose_name_plural = _("journal des accès")
        indexes = [
            models.Index(fields=["citizen", "at"], name="accesslog_citizen_at"),
            # Covering: one person's month (thousands of rows, each on its own heap page since rows
            # are in time order) is an index-only scan; the team filter scans it once per membership.
            models.Index(
                fields=["actor", "at", "id"],
                include=[
                    "seq",
                    "action",
                    "object_type",
                    "object_id",
                    "citizen",
                    "purpose",
                    "ip",
                    "request_id",
                ],
                name="accesslog_actor_cover",
            ),
            # DPO console filters (keyset pagination on (at, id)): every filter hits an index.
            models.Index(fields=["action", "at"], name="accesslog_action_at"),
            models.Index(fields=["at"], name="accesslog_at"),
            models.Index(
                fields=["purpose", "at"],
                name="accesslog_purpose_at",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
                condition=~models.Q(purpose=""),
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_id} {self.action} {self.object_type}:{self.object_id}"


class AccessLogAnchor(models.Model):
    """Checkpoint left by a sanctioned purge of the access log (append-only, like the log).

    ``seq`` and ``hash`` are those of the last purged row: verification starts the chain from the
    latest anchor, so the rows that remain still verify and any later tampering is still detected.
    """

    created_at = models.DateTimeField(_("date"), db_default=models.functions.Now(), editable=False)
    seq = models.BigIntegerField(_("dernier numéro purgé"))
    hash = models.CharField(_("empreinte du dernier enregistrement purgé"), max_length=64)
    before = models.DateTimeField(_("enregistrements antérieurs au"))
    purged_rows = models.BigIntegerField(_("enregistrements purgés"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    reason = models.CharField(_("motif"), max_length=255, blank=True)

    # Anchors are written by the SQL function audit_accesslog_purge (not through Django) and never
    # change: this history stays empty; it is here for the project rule "every model has history".
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("point d'ancrage du journal")
        verbose_name_plural = _("points d'ancrage du journal")
        ordering = ["-seq"]

    def __str__(self):
        return f"anchor seq {self.seq}"


class AccessLogSeal(models.Model):
    """A signed attestation of the chain's end (``grc.audit.seal``), append-only like the log.

    Written by the application (every 5 minutes, after each verification and each purge) with an HMAC
    whose key the database does not hold; the latest one is also a file outside the database. A chain
    recomputed by someone with the owner's rights, or cut at its end, no longer matches them.
    """

    sealed_at = models.DateTimeField(_("date"))
    seq = models.BigIntegerField(_("dernier numéro scellé"))
    hash = models.CharField(_("empreinte scellée"), max_length=64)
    rows = models.BigIntegerField(_("enregistrements depuis le point d'ancrage"))
    anchor_seq = models.BigIntegerField(_("point d'ancrage de purge"))
    key_id = models.CharField(_("clé"), max_length=16)
    mac = models.CharField(_("code d'authentification (HMAC)"), max_length=64)
    reason = models.CharField(_("occasion"), max_length=40, blank=True)

    # Seals are inserted without Django's signals (bulk_create) and never change: this history stays
    # empty; it is here for the project rule "every model has history".
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sceau du journal")
        verbose_name_plural = _("sceaux du journal")
        ordering = ["-seq", "-id"]
        indexes = [models.Index(fields=["seq"], name="accesslogseal_seq")]

    def __str__(self):
        return f"seal seq {self.seq}"


class LogVerification(models.Model):
    """One run of the access-log chain verification (scheduled daily, shown on the DPO console)."""

    started_at = models.DateTimeField(_("début"))
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    rows_checked = models.BigIntegerField(_("enregistrements vérifiés"), default=0)
    ok = models.BooleanField(_("intègre"), null=True)
    first_bad_seq = models.BigIntegerField(_("premier enregistrement en défaut"), null=True, blank=True)
    anchor_seq = models.BigIntegerField(_("départ (point d'ancrage)"), default=0)
    message = models.TextField(_("message"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vérification du journal")
        verbose_name_plural = _("vérifications du journal")
        ordering = ["-started_at"]

    def __str__(self):
        return f"verification {self.started_at:%Y-%m-%d %H:%M} ok={self.ok}"


class AlertRule(models.Model):
    """A configurable anomaly rule; ``params`` holds its thresholds (see ``grc.audit.alerts``)."""

    class Kind(models.TextChoices):
        VOLUME_SELF = "volume_self", _("Volume inhabituel (par rapport à ses habitudes)")
        VOLUME_TEAM = "volume_team", _("Volume inhabituel (par rapport à son équipe)")
        OUT_OF_SCOPE = "out_of_scope", _("Lecture hors de ses équipes et de son territoire")
        EMERGENCY = "emergency", _("Accès d'urgence")
        SAME_NAME = "same_name", _("Lecture d'un homonyme ou d'un voisin")
        OFF_HOURS = "off_hours", _("Activité la nuit ou le week-end")
        MASS_EXPORT = "mass_export", _("Exports massifs")
        MEMBERSHIP = "membership", _("Appartenance ouvrant l'accès à des dossiers sociaux")

    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices, unique=True)
    enabled = models.BooleanField(_("active"), default=True)
    params = models.JSONField(_("seuils"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    last_seq = models.BigIntegerField(_("analysé jusqu'au n°"), default=0, editable=False)
    # The last detection run of this rule (written by ``grc.audit.alerts.detect`` with an UPDATE, so
    # every 15 minutes does not add a history row): when, whether it succeeded, and what it said.
    last_run_at = models.DateTimeField(_("dernière détection"), null=True, blank=True, editable=False)
    last_run_ok = models.BooleanField(_("dernière détection réussie"), null=True, editable=False)
    last_run_message = models.TextField(_("compte rendu de la dernière détection"), blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["last_run_at", "last_run_ok", "last_run_message"])

    class Meta:
        verbose_name = _("règle d'alerte")
        verbose_name_plural = _("règles d'alerte")
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()


class Alert(models.Model):
    """An anomaly raised by a rule for one user over a window, with the access-log rows behind it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Ouverte")
        JUSTIFIED = "justified", _("Justifiée")
        ESCALATED = "escalated", _("Escaladée")

    rule = models.ForeignKey(AlertRule, verbose_name=_("règle"), on_delete=models.PROTECT, related_name="alerts")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur concerné"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsable"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    window_start = models.DateTimeField(_("début de la période"))
    window_end = models.DateTimeField(_("fin de la période"))
    # Idempotency: one alert per rule, subject and key (the window, or the emergency access).
    key = models.CharField(max_length=100, editable=False)
    summary = models.CharField(_("résumé"), max_length=255, blank=True)
    evidence = models.JSONField(_("enregistrements du journal"), default=list, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject", "key"], name="alert_once_per_key")]
        indexes = [models.Index(fields=["status", "-created_at"], name="alert_status_created")]

    def __str__(self):
        return f"{self.rule} — {self.subject_id} ({self.get_status_display()})"


class ScheduledRun(models.Model):
    """Last run of each job of ``settings.SCHEDULED_JOBS`` (locked row: one scheduler runs a job once)."""

    name = models.CharField(max_length=100, unique=True)
    task_path = models.CharField(max_length=200)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=20, blank=True)
    last_message = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tâche planifiée")
        verbose_name_plural = _("tâches planifiées")

    def __str__(self):
        return self.name
