"""The annuaire social: structures and their services on the data·inclusion v1 schema, their representatives and
the moderation of the changes proposed to them.

Field names are the schema's (``nom``, ``thematiques``, ``zone_eligibilite``…) so that import and export are a
mapping, not a translation; enumerations are the ones of the official package ``data-inclusion-schema`` (its
``Thematique``, ``TypeService``, ``Frais``, ``Public``, ``ModeAccueil``… enums), never a copy. ``di_id`` is the
data·inclusion ``id`` (``cd35--…`` for the Département's own records): it never changes once published, since the
national dataset already carries it.

Writes go through ``annuaire.services`` (history on every model), reads through ``annuaire.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import schema

SOURCE = "cd35"
THEMATIQUE_LABELS = {member.value: member.label for member in schema.Thematique}


def siret_is_valid(value: str) -> bool:
    """A SIRET is 14 digits passing the Luhn checksum (La Poste's establishments, SIREN 356000000, sum to a
    multiple of 5 instead: INSEE's documented exception)."""
    if len(value or "") != 14 or not value.isdigit():
        return False
    if value.startswith("356000000"):
        return sum(int(digit) for digit in value) % 5 == 0
    total = 0
    for position, digit in enumerate(reversed(value)):
        number = int(digit) * (2 if position % 2 else 1)
        total += number - 9 if number > 9 else number
    return total % 10 == 0


def validate_siret(value: str) -> None:
    if value and not siret_is_valid(value):
        raise ValidationError(
            _("Numéro SIRET invalide : 14 chiffres dont le dernier est une clé de contrôle."), code="siret"
        )


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in enum]


class Located(models.Model):
    """The address block data·inclusion gives both structures and services."""

    commune = models.ForeignKey(
        "grc.Commune", verbose_name=_("commune"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The commune's name as the producer wrote it (outside the Département the reference has no row).
    commune_nom = models.CharField(_("nom de la commune"), max_length=150, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=5, blank=True)
    code_insee = models.CharField(_("code INSEE"), max_length=5, blank=True)
    adresse = models.CharField(_("adresse"), max_length=255, blank=True)
    complement_adresse = models.CharField(_("complément d'adresse"), max_length=255, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    telephone = models.CharField(_("téléphone"), max_length=40, blank=True)
    courriel = models.EmailField(_("courriel"), blank=True)
    horaires_accueil = models.CharField(_("horaires d'accueil"), max_length=500, blank=True)
    lien_source = models.URLField(_("lien source"), max_length=500, blank=True)
    date_maj = models.DateField(_("date de mise à jour"), default=timezone.localdate)
    # When a person last changed the record here (staleness: 12 months without a change flags it).
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now, db_index=True)
    stale_reminded_at = models.DateTimeField(_("relance envoyée le"), null=True, blank=True)

    class Meta:
        abstract = True


class Structure(Located):
    """A structure of the annuaire social (CCAS, association, CDAS, mission locale…), data·inclusion v1."""

    source = models.CharField(_("source"), max_length=100, default=SOURCE)
    di_id = models.CharField(_("identifiant data·inclusion"), max_length=200, unique=True)
    nom = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, db_index=True, validators=[validate_siret])
    site_web = models.URLField(_("site web"), max_length=500, blank=True)
    accessibilite_lieu = models.URLField(_("accessibilité du lieu"), max_length=500, blank=True)
    reseaux_porteurs = ArrayField(
        models.CharField(max_length=100, choices=_choices(schema.ReseauPorteur)),
        verbose_name=_("réseaux porteurs"),
        default=list,
        blank=True,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["nom"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="annuaire_structure_latlon")]

    def __str__(self):
        return self.nom


class Service(Located):
    """A service a structure offers (an accompaniment, a workshop, a financial help…), data·inclusion v1."""

    source = models.CharField(_("source"), max_length=100, default=SOURCE)
    di_id = models.CharField(_("identifiant data·inclusion"), max_length=200, unique=True)
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="services"
    )
    nom = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"))
    type = models.CharField(_("type"), max_length=30, choices=_choices(schema.TypeService), blank=True)
    thematiques = ArrayField(
        models.CharField(max_length=100, choices=_choices(schema.Thematique)),
        verbose_name=_("thématiques"),
        default=list,
        blank=True,
    )
    frais = models.CharField(_("frais"), max_length=20, choices=_choices(schema.Frais), blank=True)
    frais_precisions = models.TextField(_("précisions sur les frais"), blank=True)
    publics = ArrayField(
        models.CharField(max_length=60, choices=_choices(schema.Public)),
        verbose_name=_("publics"),
        default=list,
        blank=True,
    )
    publics_precisions = models.TextField(_("précisions sur les publics"), blank=True)
    conditions_acces = models.TextField(_("conditions d'accès"), blank=True)
    modes_accueil = ArrayField(
        models.CharField(max_length=20, choices=_choices(schema.ModeAccueil)),
        verbose_name=_("modes d'accueil"),
        default=list,
        blank=True,
    )
    # Codes: commune (5), EPCI (9), département (2-3), pays (99xxx) or "france".
    zone_eligibilite = ArrayField(
        models.CharField(max_length=9), verbose_name=_("zone d'éligibilité"), default=list, blank=True
    )
    contact_nom_prenom = models.CharField(_("contact"), max_length=150, blank=True)
    lien_mobilisation = models.URLField(_("lien de mobilisation"), max_length=500, blank=True)
    modes_mobilisation = ArrayField(
        models.CharField(max_length=40, choices=_choices(schema.ModeMobilisation)),
        verbose_name=_("modes de mobilisation"),
        default=list,
        blank=True,
    )
    mobilisable_par = ArrayField(
        models.CharField(max_length=20, choices=_choices(schema.PersonneMobilisatrice)),
        verbose_name=_("mobilisable par"),
        default=list,
        blank=True,
    )
    mobilisation_precisions = models.TextField(_("précisions sur la mobilisation"), blank=True)
    volume_horaire_hebdomadaire = models.FloatField(_("volume horaire hebdomadaire"), null=True, blank=True)
    nombre_semaines = models.PositiveIntegerField(_("nombre de semaines"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["nom"]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="annuaire_service_latlon"),
            GinIndex(fields=["thematiques"], name="annuaire_service_them"),
        ]

    def __str__(self):
        return self.nom

    @property
    def thematique_labels(self) -> list[str]:
        """The thématiques in words, as the schema names them."""
        return [THEMATIQUE_LABELS.get(value, value) for value in self.thematiques]


class Representative(models.Model):
    """A portal account that speaks for a structure: created by a claim (the structure's SIRET), usable once the
    Info sociale team validated it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        VALIDATED = "validated", _("Validé")
        REFUSED = "refused", _("Refusé")
        # The representative (or the claimant, before the decision) stepped down: no right left, history kept.
        WITHDRAWN = "withdrawn", _("Retiré")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("compte"), on_delete=models.CASCADE, related_name="+"
    )
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="representatives"
    )
    siret = models.CharField(_("SIRET déclaré"), max_length=14, validators=[validate_siret])
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    reason = models.CharField(_("motif"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("représentant")
        verbose_name_plural = _("représentants")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "structure"],
                condition=Q(status__in=["pending", "validated"]),
                name="annuaire_one_live_claim",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.structure}"


class PendingChange(models.Model):
    """A proposed change of a moderated record (``object_id`` set) or a proposed new record (``object_id``
    empty): the proposed field values in ``data``, published or rejected by the Info sociale team."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        PUBLISHED = "published", _("Publiée")
        REJECTED = "rejected", _("Refusée")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    data = models.JSONField(_("valeurs proposées"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("auteur"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("proposée le"), default=timezone.now)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modérateur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("modérée le"), null=True, blank=True)
    reason = models.CharField(_("motif du refus"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("modification proposée")
        verbose_name_plural = _("modifications proposées")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="annuaire_change_queue"),
            models.Index(fields=["content_type", "object_id"], name="annuaire_change_target"),
        ]

    def __str__(self):
        return f"{self.content_type.name} #{self.object_id or '+'} ({self.get_status_display()})"


class ImportRun(models.Model):
    """An import file read and checked, waiting to be applied: the valid items, the line-by-line report and
    the preview of the changes (created / changed with field diffs / unchanged). Nothing of the file touches the
    annuaire until someone of the Info sociale team applies it, having seen the preview."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Aperçu")
        # Applied by the worker (``annuaire.tasks.annuaire_import_apply``), its progress in ``progress_done``.
        APPLYING = "applying", _("Application en cours")
        APPLIED = "applied", _("Appliqué")
        FAILED = "failed", _("Échec de l'application")
        CANCELLED = "cancelled", _("Abandonné")

    filename = models.CharField(_("fichier"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10)
    schema_version = models.CharField(_("version du schéma"), max_length=5)
    items = models.JSONField(_("éléments valides"), default=dict)
    report = models.JSONField(_("rapport"), default=list)
    preview = models.JSONField(_("aperçu"), default=dict)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PREVIEW)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("déposé par"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    applied_at = models.DateTimeField(_("appliqué le"), null=True, blank=True)
    summary = models.JSONField(_("bilan"), default=dict)
    # Lines written so far out of the lines to write (created + changed), shown on the job page while applying.
    progress_done = models.PositiveIntegerField(_("lignes traitées"), default=0)
    progress_total = models.PositiveIntegerField(_("lignes à traiter"), default=0)

    history = HistoricalRecords(excluded_fields=["items", "preview"])

    class Meta:
        verbose_name = _("import de l'annuaire")
        verbose_name_plural = _("imports de l'annuaire")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"
