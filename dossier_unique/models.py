"""The Dossier Social Unique: one social file per citizen and what hangs off it.

Who may see a file is stored in guardian's **direct foreign-key permission tables**
(``SocialFileUserObjectPermission``, ``SocialFileGroupObjectPermission``), written only by
``dossier_unique.services``. A team holds a permission through its own auth ``Group``
(``TeamGroup``); who is in the team is read from ``grc.Membership`` (dated) at query time, so a
newcomer sees the team's files the day their membership starts and a leaver stops the day it
ends, without any synchronisation job. See ``dossier_unique.perms`` for the rules.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from .documents import document_storage


class Programme(models.TextChoices):
    RSA = "rsa", _("RSA")
    PMI = "pmi", _("PMI")
    ASE = "ase", _("ASE")
    APA = "apa", _("APA")
    PCH = "pch", _("PCH")
    INSERTION = "insertion", _("Insertion")
    LOGEMENT_FSL = "logement_fsl", _("Logement / FSL")
    AIDE_FINANCIERE = "aide_financiere", _("Aide financière")
    AUTRE = "autre", _("Autre")


class Visibility(models.TextChoices):
    FILE = "file", _("Dossier (toute personne ayant accès au dossier)")
    TEAM = "team", _("Équipe de l'accompagnement")
    PRIVATE = "private", _("Privée (auteur seulement)")


class SocialFile(models.Model):
    """The single social file of one citizen (at most one per citizen)."""

    citizen = models.OneToOneField(
        "grc.Citizen", verbose_name=_("usager"), on_delete=models.PROTECT, related_name="social_file"
    )
    territory = models.ForeignKey(
        "grc.Territory",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="social_files",
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dossier social")
        verbose_name_plural = _("dossiers sociaux")

    def __str__(self):
        return f"Dossier social n° {self.pk}"


class SocialFileUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct FK table: a permission on a file held by one person."""

    content_object = models.ForeignKey(SocialFile, on_delete=models.CASCADE)

    history = HistoricalRecords()

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("permission individuelle sur un dossier")
        verbose_name_plural = _("permissions individuelles sur les dossiers")


class SocialFileGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian's direct FK table: a permission on a file held by a team (through its group)."""

    content_object = models.ForeignKey(SocialFile, on_delete=models.CASCADE)

    history = HistoricalRecords()

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("permission d'équipe sur un dossier")
        verbose_name_plural = _("permissions d'équipe sur les dossiers")


class TeamGroup(models.Model):
    """The auth group through which a team holds file permissions (created on demand)."""

    team = models.OneToOneField("grc.Team", on_delete=models.PROTECT, related_name="dsu_group")
    group = models.OneToOneField("auth.Group", on_delete=models.PROTECT, related_name="dsu_team")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("groupe d'équipe")
        verbose_name_plural = _("groupes d'équipe")

    def __str__(self):
        return str(self.team)


class Accompaniment(models.Model):
    """A programme of support for the person, followed by one team."""

    class Status(models.TextChoices):
        OPEN = "open", _("En cours")
        CLOSED = "closed", _("Clos")

    file = models.ForeignKey(SocialFile, on_delete=models.PROTECT, related_name="accompaniments")
    programme = models.CharField(_("dispositif"), max_length=20, choices=Programme.choices)
    team = models.ForeignKey("grc.Team", verbose_name=_("équipe"), on_delete=models.PROTECT, related_name="+")
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("référent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    start_date = models.DateField(_("début"), default=timezone.localdate)
    end_date = models.DateField(_("fin"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closing_reason = models.TextField(_("motif de clôture"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("accompagnement")
        verbose_name_plural = _("accompagnements")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", end_date__isnull=True) | Q(status="closed", end_date__isnull=False),
                name="accompaniment_closed_has_end",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="accompaniment_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status"], name="accompaniment_team_status"),
            models.Index(fields=["file", "status"], name="accompaniment_file_status"),
        ]

    def __str__(self):
        return f"{self.get_programme_display()} — {self.team}"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class FileMember(models.Model):
    """A professional following the person (with a role and dates)."""

    file = models.ForeignKey(SocialFile, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("rôle"), max_length=150)
    start_date = models.DateField(_("début"), default=timezone.localdate)
    end_date = models.DateField(_("fin"), null=True, blank=True)
    may_see_personal_details = models.BooleanField(_("peut voir les éléments confidentiels"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("intervenant du dossier")
        verbose_name_plural = _("intervenants du dossier")
        # No unique "one open membership per person": a merge may bring two onto one file.
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="file_member_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.role}"


# About twelve typed pages: far above an interview or home-visit note; a longer report is a document.
NOTE_MAX_LENGTH = 30_000


class Note(models.Model):
    class Kind(models.TextChoices):
        ENTRETIEN = "entretien", _("Entretien")
        OBSERVATION = "observation", _("Observation")
        VISITE = "visite", _("Visite à domicile")
        APPEL = "appel", _("Appel téléphonique")

    file = models.ForeignKey(SocialFile, on_delete=models.PROTECT, related_name="notes")
    accompaniment = models.ForeignKey(
        Accompaniment, null=True, blank=True, on_delete=models.PROTECT, related_name="notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    visibility = models.CharField(_("visibilité"), max_length=10, choices=Visibility.choices)
    # The accompaniment's team, copied so visibility filters without a join (moved on transfer).
    team = models.ForeignKey("grc.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("texte"), max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(_("écrite le"), default=timezone.now)
    # Set when the author corrected the note (within 24 hours); the history keeps every version.
    edited_at = models.DateTimeField(_("modifiée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.CheckConstraint(condition=~Q(visibility="team") | Q(team__isnull=False), name="team_note_has_team"),
        ]
        indexes = [models.Index(fields=["file", "-created_at"], name="note_file_created")]

    def __str__(self):
        return f"{self.get_kind_display()} du {self.created_at:%d/%m/%Y}"


def _document_path(instance, filename):
    # Never the original name on disk: it may itself be personal data.
    return f"dsu/{instance.file_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    class DocType(models.TextChoices):
        IDENTITY = "identite", _("Pièce d'identité")
        RESOURCES = "ressources", _("Justificatif de ressources")
        HOUSING = "logement", _("Justificatif de domicile")
        MEDICAL = "medical", _("Document médical")
        DECISION = "decision", _("Décision / notification")
        REPORT = "rapport", _("Rapport / évaluation")
        CORRESPONDENCE = "courrier", _("Courrier")
        OTHER = "autre", _("Autre")

    file = models.ForeignKey(SocialFile, on_delete=models.PROTECT, related_name="documents")
    accompaniment = models.ForeignKey(
        Accompaniment, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    doc_type = models.CharField(_("type de document"), max_length=20, choices=DocType.choices)
    tags = models.CharField(_("étiquettes"), max_length=255, blank=True, help_text=_("Séparées par des virgules."))
    confidential = models.BooleanField(_("confidentiel"), default=False)
    # The accompaniment's team, copied so confidentiality filters without a join (moved on transfer).
    team = models.ForeignKey("grc.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    content = models.FileField(_("fichier"), upload_to=_document_path, storage=document_storage, max_length=255)
    original_name = models.CharField(_("nom d'origine"), max_length=255)
    content_type = models.CharField(_("type de contenu"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(max_length=64)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["file", "-uploaded_at"], name="document_file_uploaded")]

    def __str__(self):
        return f"{self.get_doc_type_display()} ({self.pk})"

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class SharingGrant(models.Model):
    """Shared professional secrecy: a file opened to a named team or professional, until it expires."""

    class LegalBasis(models.TextChoices):
        L121_6_2 = "casf_l121_6_2", _("CASF L121-6-2 (secret professionnel partagé, action sociale)")
        L226_2_2 = "casf_l226_2_2", _("CASF L226-2-2 (protection de l'enfance)")

    file = models.ForeignKey(SocialFile, on_delete=models.PROTECT, related_name="grants")
    grantee_team = models.ForeignKey(
        "grc.Team",
        verbose_name=_("équipe destinataire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grantee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("professionnel destinataire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    purpose = models.TextField(_("finalité"))
    legal_basis = models.CharField(_("base légale"), max_length=20, choices=LegalBasis.choices)
    family_informed = models.BooleanField(_("famille informée"))
    family_not_informed_reason = models.TextField(_("motif de non-information de la famille"), blank=True)
    granted_at = models.DateTimeField(_("accordé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set by the expiry task once the permission has been taken back.
    expired_at = models.DateTimeField(_("échu le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partage d'informations")
        verbose_name_plural = _("partages d'informations")
        constraints = [
            models.CheckConstraint(
                condition=Q(grantee_team__isnull=False, grantee_user__isnull=True)
                | Q(grantee_team__isnull=True, grantee_user__isnull=False),
                name="grant_exactly_one_grantee",
            ),
            models.CheckConstraint(
                condition=Q(family_informed=True) | ~Q(family_not_informed_reason=""),
                name="grant_family_not_informed_has_reason",
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=F("granted_at")), name="grant_expires_after_start"),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="grant_pending_expiry",
                condition=Q(revoked_at__isnull=True, expired_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"Partage n° {self.pk}"

    def is_active(self, now=None) -> bool:
        return self.revoked_at is None and self.expired_at is None and self.expires_at > (now or timezone.now())


class EmergencyAccess(models.Model):
    """Bris de glace: time-limited access to a file, with a written reason, reviewed by the DPO.

    An access whose ``dpo_reviewed_at`` is empty is an open alert on the DPO console.
    """

    file = models.ForeignKey(SocialFile, on_delete=models.PROTECT, related_name="emergency_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("motif"))
    started_at = models.DateTimeField(_("début"), default=timezone.now)
    expires_at = models.DateTimeField(_("fin prévue"))
    ended_at = models.DateTimeField(_("fin effective"), null=True, blank=True)
    dpo_reviewed_at = models.DateTimeField(_("examiné par le DPO le"), null=True, blank=True)
    dpo_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dpo_comment = models.TextField(_("observation du DPO"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("accès d'urgence")
        verbose_name_plural = _("accès d'urgence")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("started_at")), name="emergency_expires_after_start"),
        ]
        indexes = [
            models.Index(
                fields=["started_at"], name="emergency_unreviewed", condition=Q(dpo_reviewed_at__isnull=True)
            ),
            models.Index(fields=["expires_at"], name="emergency_active_expiry", condition=Q(ended_at__isnull=True)),
        ]

    def __str__(self):
        return f"Accès d'urgence n° {self.pk}"

    def is_active(self, now=None) -> bool:
        return self.ended_at is None and self.expires_at > (now or timezone.now())


class TimelineEntry(models.Model):
    """One thing that happened to a citizen, written by the service that did it, in its transaction.

    ``title`` is short and carries no sensitive content (the source holds that); ``visibility``
    and ``team`` are copied from the source so reading a timeline is one indexed query.
    """

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        ACCOMPANIMENT_OPENED = "accompaniment_opened", _("Accompagnement ouvert")
        ACCOMPANIMENT_CLOSED = "accompaniment_closed", _("Accompagnement clos")
        ACCOMPANIMENT_TRANSFERRED = "accompaniment_transferred", _("Accompagnement transféré")
        DOCUMENT_ADDED = "document_added", _("Document ajouté")
        MEMBER_ADDED = "member_added", _("Intervenant ajouté")
        MEMBER_ENDED = "member_ended", _("Fin d'intervention")
        GRANT_GIVEN = "grant_given", _("Partage accordé")
        GRANT_REVOKED = "grant_revoked", _("Partage révoqué")
        EMERGENCY_ACCESS = "emergency_access", _("Accès d'urgence")
        MERGE = "merge", _("Fusion de fiches")
        REQUEST_SUBMITTED = "request_submitted", _("Demande déposée")
        REQUEST_STATUS = "request_status", _("Demande : changement de statut")
        REQUEST_MESSAGE = "request_message", _("Demande : message")
        MAIL_ROUTED = "mail_routed", _("Courrier aiguillé")
        APPOINTMENT = "appointment", _("Rendez-vous")
        HELP_SESSION = "help_session", _("Aide aux démarches en ligne")
        ORIENTATION = "orientation", _("Orientation vers un service")
        OUTGOING_LETTER = "outgoing_letter", _("Courrier envoyé")
        RIGHTS_ESTIMATE = "rights_estimate", _("Estimation des droits")

    citizen = models.ForeignKey("grc.Citizen", on_delete=models.PROTECT, related_name="timeline_entries")
    file = models.ForeignKey(
        SocialFile, null=True, blank=True, on_delete=models.PROTECT, related_name="timeline_entries"
    )
    occurred_at = models.DateTimeField(_("date"), default=timezone.now)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("intitulé"), max_length=200)
    visibility = models.CharField(_("visibilité"), max_length=10, choices=Visibility.choices, default=Visibility.FILE)
    team = models.ForeignKey("grc.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    programme = models.CharField(_("dispositif"), max_length=20, choices=Programme.choices, blank=True)
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=64, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("événement du parcours")
        verbose_name_plural = _("parcours")
        constraints = [
            models.CheckConstraint(
                condition=~Q(visibility="team") | Q(team__isnull=False), name="team_entry_has_team"
            ),
        ]
        indexes = [
            models.Index(F("citizen"), F("occurred_at").desc(), F("id").desc(), name="timeline_citizen_occurred"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%d/%m/%Y} {self.title}"
