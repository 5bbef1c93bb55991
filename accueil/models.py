"""Digital-help sessions (accueil numérique social): one row per person helped with online procedures.

A session is recorded in a few seconds by the agent who helped, anonymous or linked to a citizen. The row is
also the observatory's source: ``commune`` (where the person lives) is kept even for anonymous sessions, and
the retention rule only removes the citizen link and the free text, never the row, so statistics survive.
Writes go through ``accueil.services``; reads of citizen-linked sessions through ``accueil.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class HelpProcedure(models.TextChoices):
    """The procedures a session helped with (several per session)."""

    CAF = "caf", _("CAF")
    RSA = "rsa", _("RSA")
    AMELI = "ameli", _("Ameli (Assurance maladie)")
    ANTS = "ants", _("ANTS (titres, permis, carte grise)")
    IMPOTS = "impots", _("Impôts")
    FRANCE_TRAVAIL = "france_travail", _("France Travail")
    MSA = "msa", _("MSA")
    RETRAITE = "retraite", _("Retraite")
    MDPH = "mdph", _("MDPH")
    DEPARTEMENT = "departement", _("Démarches du Département")
    LOGEMENT = "logement", _("Logement (bailleur, demande de logement social)")
    ENERGIE = "energie", _("Énergie (chèque énergie, fournisseur)")
    BANQUE = "banque", _("Banque, paiement en ligne")
    COMPTE = "compte", _("Messagerie, identifiants, FranceConnect")
    AUTRE = "autre", _("Autre démarche")


class HelpSession(models.Model):
    """One digital-help session: where, how far the agent went, for which procedures, with which outcome."""

    class PlaceKind(models.TextChoices):
        GUICHET = "guichet", _("Accueil (guichet)")
        ENTRETIEN = "entretien", _("Entretien")
        PERMANENCE = "permanence", _("Permanence administrative")
        ESPACE_NUMERIQUE = "espace_numerique", _("Espace numérique en libre accès")

    class Level(models.TextChoices):
        # Graded from the lightest help to doing it for the person (the Département's scale).
        COUP_DE_POUCE = "coup_de_pouce", _("Coup de pouce")
        ACCOMPAGNEMENT = "accompagnement", _("Accompagnement")
        FAIRE_AVEC = "faire_avec", _("Faire avec")
        SUBSTITUTION = "substitution", _("Substitution (faire pour)")

    Procedure = HelpProcedure

    class Outcome(models.TextChoices):
        ABOUTI = "abouti", _("Démarche aboutie")
        EN_COURS = "en_cours", _("En cours (à poursuivre)")
        ORIENTE = "oriente", _("Orienté vers un autre lieu")
        NON_ABOUTI = "non_abouti", _("Non aboutie")

    held_at = models.DateTimeField(_("date"), default=timezone.now)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "grc.Site", verbose_name=_("lieu d'accueil"), on_delete=models.PROTECT, related_name="help_sessions"
    )
    place_kind = models.CharField(_("cadre"), max_length=20, choices=PlaceKind.choices)
    level = models.CharField(_("niveau d'aide"), max_length=20, choices=Level.choices)
    procedures = ArrayField(
        models.CharField(max_length=20, choices=Procedure.choices),
        verbose_name=_("démarches concernées"),
        default=list,
    )
    outcome = models.CharField(_("résultat"), max_length=20, choices=Outcome.choices)
    # Where the person was sent: a place of the map (issue 16) when there is one, else (or besides) free text.
    orientation = models.CharField(_("orientation"), max_length=300, blank=True)
    orientation_place = models.ForeignKey(
        "mednum.Lieu",
        verbose_name=_("lieu d'orientation"),
        null=True,
        blank=True,
        # A place withdrawn from the map later must not block its removal: the session keeps its free text.
        on_delete=models.SET_NULL,
        related_name="help_sessions",
    )
    citizen = models.ForeignKey(
        "grc.Citizen",
        verbose_name=_("usager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_sessions",
    )
    consent_recorded_at = models.DateTimeField(_("consentement recueilli le"), null=True, blank=True)
    # Where the person lives, for statistics by commune/EPCI (kept for anonymous sessions and after retention).
    commune = models.ForeignKey(
        "grc.Commune",
        verbose_name=_("commune de résidence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_sessions",
    )
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), null=True, blank=True)
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)
    # A correction by its author (within ``accueil.services.CORRECTION_DELAY``); the history keeps every version.
    corrected_at = models.DateTimeField(_("corrigée le"), null=True, blank=True)
    # Set by the retention rule when the citizen link and free text were removed (the row stays for statistics).
    anonymised_at = models.DateTimeField(_("anonymisée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("séance d'aide numérique")
        verbose_name_plural = _("séances d'aide numérique")
        ordering = ["-held_at", "-id"]
        constraints = [
            # Doing it for the person needs their recorded consent, as counter filing does (demandes).
            models.CheckConstraint(
                condition=~Q(level="substitution") | Q(consent_recorded_at__isnull=False),
                name="substitution_help_has_consent",
            ),
            # At least one procedure, all from the list: the observatory counts by procedure.
            models.CheckConstraint(
                condition=Q(procedures__contained_by=list(HelpProcedure.values)) & Q(procedures__len__gte=1),
                name="help_session_procedures_known",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__gte=1, duration_minutes__lte=480),
                name="help_session_duration_range",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "held_at"], name="help_session_site_held"),
            models.Index(F("citizen"), F("held_at").desc(), name="help_session_citizen_held"),
            models.Index(fields=["held_at"], name="help_session_held"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} — {self.site} — {self.held_at:%d/%m/%Y}"

    @property
    def procedure_labels(self) -> list[str]:
        """The procedures' labels, in the list's order."""
        labels = dict(HelpProcedure.choices)
        return [str(labels[value]) for value in self.procedures if value in labels]
