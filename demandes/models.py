"""Requests (demandes): a procedure filed by or for a citizen, worked by a team.

Workflow: draft → submitted → in review ⇄ awaiting citizen → accepted / refused / closed without
follow-up. Every transition is a service (``demandes.services``) that writes a
``RequestEvent`` (who, when, why) and keeps history; reads go through ``demandes.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dossier_unique.documents import document_storage

from .identifiers import validate_rna, validate_siret


class Organisation(models.Model):
    """A structure that files requests: an association, a company, a notary's office, a commune...

    Identified by its SIRET (Luhn-checked) or, for an association without one, its RNA number. Portal
    accounts act for it as members (``OrganisationMember``); the requests it files are seen by all its
    members (``demandes.perms``). The annuaire social's structure with the same SIRET, when there is
    one, is found by the portal (the annuaire is a sibling of this app).
    """

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Association")
        COMPANY = "company", _("Entreprise")
        NOTARY = "notary", _("Office notarial")
        FARM = "farm", _("Exploitation agricole")
        PUBLIC_BODY = "public_body", _("Collectivité ou établissement public")
        OTHER = "other", _("Autre structure")

    name = models.CharField(_("nom"), max_length=255)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    rna = models.CharField(_("numéro RNA"), max_length=10, blank=True, validators=[validate_rna])
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("structure demandeuse")
        verbose_name_plural = _("structures demandeuses")
        constraints = [
            models.CheckConstraint(condition=~Q(siret="") | ~Q(rna=""), name="organisation_identified"),
            models.UniqueConstraint(fields=["siret"], condition=~Q(siret=""), name="organisation_unique_siret"),
            models.UniqueConstraint(fields=["rna"], condition=~Q(rna=""), name="organisation_unique_rna"),
        ]

    def __str__(self):
        return self.name


class OrganisationMember(models.Model):
    """A portal account acting for a structure: an administrator (manages members) or a member."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrateur")
        MEMBER = "member", _("Membre")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_roles")
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    added_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membre d'une structure")
        verbose_name_plural = _("membres des structures")
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="one_role_per_member")]

    def __str__(self):
        return f"{self.user_id} — {self.organisation} ({self.get_role_display()})"


class Request(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("En ligne")
        MAIL = "mail", _("Courrier")
        PHONE = "phone", _("Téléphone")
        COUNTER = "counter", _("Accueil (guichet)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Déposée")
        IN_REVIEW = "in_review", _("En cours d'instruction")
        AWAITING_CITIZEN = "awaiting_citizen", _("En attente de compléments")
        ACCEPTED = "accepted", _("Acceptée")
        REFUSED = "refused", _("Refusée")
        CLOSED = "closed", _("Classée sans suite")

    class TypedBy(models.TextChoices):
        CITIZEN = "citizen", _("L'usager")
        AGENT = "agent", _("L'agent")

    OPEN_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_CITIZEN)
    FINAL_STATUSES = (Status.ACCEPTED, Status.REFUSED, Status.CLOSED)

    # A short code the citizen can read out on the phone: "D-2026-7K3M9Q" (no 0/O, 1/I).
    tracking_code = models.CharField(_("numéro de suivi"), max_length=20, unique=True)
    procedure = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("démarche"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Snapshot of the procedure's title when filed (the page may be renamed or removed later).
    procedure_title = models.CharField(_("démarche"), max_length=255)
    citizen = models.ForeignKey(
        "grc.Citizen",
        verbose_name=_("usager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    # The portal account that filed it (None for mail, phone and counter requests without an account).
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="portal_requests"
    )
    # The structure the account filed for (its members see the request); None for a person's own request.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("structure demandeuse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    # Subsidies: what was asked (from the form's amount field) and what the decision granted.
    amount_requested = models.DecimalField(
        _("montant demandé (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_granted = models.DecimalField(
        _("montant accordé (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    team = models.ForeignKey(
        "grc.Team", verbose_name=_("équipe"), null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent chargé"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_requests",
    )
    # Form answers: {field_name: value}; files are RequestAttachment rows named by field_name.
    answers = models.JSONField(_("réponses"), default=dict, blank=True)
    # What the agent asked the citizen to provide (list of short French strings).
    missing_items = models.JSONField(_("pièces ou informations manquantes"), default=list, blank=True)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decision_reason = models.TextField(_("motif de la décision"), blank=True)
    # Agent-assisted filing at a counter (accueil numérique social).
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposée par l'agent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    typed_by = models.CharField(_("saisie par"), max_length=10, choices=TypedBy.choices, blank=True)
    consent_recorded_at = models.DateTimeField(_("consentement recueilli le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="filed_request_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(channel="counter") | Q(status="draft") | Q(consent_recorded_at__isnull=False),
                name="counter_request_has_consent",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status", "due_date"], name="request_team_queue"),
            models.Index(F("citizen"), F("submitted_at").desc(), name="request_citizen_submitted"),
            models.Index(F("account"), F("created_at").desc(), name="request_account_created"),
        ]

    def __str__(self):
        return f"{self.tracking_code} — {self.procedure_title}"


class RequestEvent(models.Model):
    """One status change (or other workflow step) of a request: the status history the citizen sees."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("date"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=Request.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Request.Status.choices)
    comment = models.TextField(_("commentaire"), blank=True)
    # False for internal steps (assignment, forwarding) the citizen does not need to see.
    visible_to_citizen = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("étape de la demande")
        verbose_name_plural = _("historique de la demande")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.request_id}: {self.from_status} → {self.to_status}"


class RequestMessage(models.Model):
    """A message in the thread between the citizen and the handling team."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="messages")
    at = models.DateTimeField(_("date"), auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_citizen = models.BooleanField(_("de l'usager"), default=False)
    body = models.TextField(_("message"))
    read_at = models.DateTimeField(_("lu le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.request_id} {self.at:%d/%m/%Y %H:%M}"


def request_attachment_path(instance, filename):
    return f"requests/{instance.request_id}/{instance.sha256[:2]}/{instance.sha256}"


class RequestAttachment(models.Model):
    """A file attached to a request: a form's file field (``field_name``) or a message."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        RequestMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    field_name = models.CharField(_("champ"), max_length=100, blank=True)
    file = models.FileField(storage=document_storage, upload_to=request_attachment_path, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")

    def __str__(self):
        return self.original_name
