from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """One row per read of personal data. Append-only.

    A database trigger refuses UPDATE, DELETE and TRUNCATE, and a BEFORE INSERT trigger, under a
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
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    object_type = models.CharField(_("type d'objet"), max_length=60, blank=True)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    citizen = models.ForeignKey(
        "grc.Citizen", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
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
            models.Index(fields=["actor", "at"], name="accesslog_actor_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_id} {self.action} {self.object_type}:{self.object_id}"
