"""A lieu de médiation numérique, on the national schema (« Lieux de médiation numérique », v1.0.1).

Field names are the schema's (``nom``, ``adresse``, ``services``, ``frais_a_charge``…) so that the CSV export is a
straight read and a reviewer can hold the model against the standard. Enumerations are the standard's exact
labels (they are what the national cartography publishes and filters on), stored as PostgreSQL arrays.
"""

import json
import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from opening_hours import OpeningHours
from simple_history.models import HistoricalRecords

from .typologies import Typologie


def validate_horaires(value: str) -> None:
    """Refuse opening hours the OpenStreetMap ``opening_hours`` grammar cannot parse (the schema's format)."""
    if not value:
        return
    try:
        OpeningHours(value)
    except Exception as exc:  # the parser raises its own ParserError (and ValueError on some inputs)
        raise ValidationError(
            _("Horaires illisibles (format OpenStreetMap attendu, par ex. « Mo-Fr 09:00-12:00,14:00-17:30 »)."),
            code="horaires",
        ) from exc


class Service(models.TextChoices):
    MATERIEL_PRIX_SOLIDAIRE = (
        "Acquisition de matériel informatique à prix solidaire",
        _("Acquisition de matériel informatique à prix solidaire"),
    )
    DEMARCHES = "Aide aux démarches administratives", _("Aide aux démarches administratives")
    OUTILS_QUOTIDIEN = "Maîtrise des outils numériques du quotidien", _("Maîtrise des outils numériques du quotidien")
    INSERTION_PRO = "Insertion professionnelle via le numérique", _("Insertion professionnelle via le numérique")
    SECURITE = "Utilisation sécurisée du numérique", _("Utilisation sécurisée du numérique")
    PARENTALITE = "Parentalité et éducation avec le numérique", _("Parentalité et éducation avec le numérique")
    LOISIRS = "Loisirs et créations numériques", _("Loisirs et créations numériques")
    COMPREHENSION = "Compréhension du monde numérique", _("Compréhension du monde numérique")
    ACCES_MATERIEL = "Accès internet et matériel informatique", _("Accès internet et matériel informatique")


class PublicAdresse(models.TextChoices):
    JEUNES = "Jeunes", _("Jeunes")
    ETUDIANTS = "Étudiants", _("Étudiants")
    FAMILLES = "Familles et/ou enfants", _("Familles et/ou enfants")
    SENIORS = "Seniors", _("Seniors")
    FEMMES = "Femmes", _("Femmes")


class PriseEnCharge(models.TextChoices):
    SURDITE = "Surdité", _("Surdité")
    HANDICAPS_MOTEURS = "Handicaps moteurs", _("Handicaps moteurs")
    HANDICAPS_MENTAUX = "Handicaps mentaux", _("Handicaps mentaux")
    ILLETTRISME = "Illettrisme", _("Illettrisme")
    ANGLAIS = "Langues étrangères (anglais)", _("Langues étrangères (anglais)")
    AUTRES_LANGUES = "Langues étrangères (autres)", _("Langues étrangères (autres)")
    DEFICIENCE_VISUELLE = "Déficience visuelle", _("Déficience visuelle")


class Frais(models.TextChoices):
    GRATUIT = "Gratuit", _("Gratuit")
    GRATUIT_SOUS_CONDITION = "Gratuit sous condition", _("Gratuit sous condition")
    PAYANT = "Payant", _("Payant")


class ModaliteAcces(models.TextChoices):
    SE_PRESENTER = "Se présenter", _("Se présenter")
    TELEPHONER = "Téléphoner", _("Téléphoner")
    MAIL = "Contacter par mail", _("Contacter par mail")
    PRESCRIPTION = (
        "Envoyer un mail avec une fiche de prescription",
        _("Envoyer un mail avec une fiche de prescription"),
    )
    RDV_EN_LIGNE = "Prendre un RDV en ligne", _("Prendre un RDV en ligne")
    PAS_DE_PUBLIC = "Ce lieu n'accueille pas de public", _("Ce lieu n'accueille pas de public")


class ModaliteAccompagnement(models.TextChoices):
    AUTONOMIE = "En autonomie", _("En autonomie")
    INDIVIDUEL = "Accompagnement individuel", _("Accompagnement individuel")
    ATELIER = "Dans un atelier collectif", _("Dans un atelier collectif")
    A_DISTANCE = "À distance", _("À distance")


class Itinerance(models.TextChoices):
    ITINERANT = "Itinérant", _("Itinérant")
    FIXE = "Fixe", _("Fixe")


class DispositifProgramme(models.TextChoices):
    AIDANTS_CONNECT = "Aidants Connect", _("Aidants Connect")
    BNR = "Bibliothèques numérique de référence", _("Bibliothèques numérique de référence")
    PIX = "Certification PIX", _("Certification PIX")
    CONSEILLERS_NUMERIQUES = "Conseillers numériques", _("Conseillers numériques")
    EMMAUS_CONNECT = "Emmaüs Connect", _("Emmaüs Connect")
    FRANCE_SERVICES = "France Services", _("France Services")
    GRANDE_ECOLE = "Grande école du numérique", _("Grande école du numérique")
    CROIX_ROUGE = "La Croix Rouge", _("La Croix Rouge")
    CAF = "Point d'accès numérique CAF", _("Point d'accès numérique CAF")
    PROMENEURS = "Promeneurs du net", _("Promeneurs du net")
    RELAIS_EMMAUS = "Relais numérique (Emmaüs Connect)", _("Relais numérique (Emmaüs Connect)")


class FormationLabel(models.TextChoices):
    MON_ESPACE_SANTE = "Formé à « Mon Espace Santé »", _("Formé à « Mon Espace Santé »")
    DUPLEX = "Formé à « DUPLEX » (illettrisme)", _("Formé à « DUPLEX » (illettrisme)")
    ARNIA = "Arnia/MedNum BFC (Bourgogne-Franche-Comté)", _("Arnia/MedNum BFC (Bourgogne-Franche-Comté)")
    REEMPLOI = (
        "Collectif ressources et acteurs réemploi (Normandie)",
        _("Collectif ressources et acteurs réemploi (Normandie)"),
    )
    ETAPES = "Étapes numériques (La Poste)", _("Étapes numériques (La Poste)")
    FABRIQUES = "Fabriques de Territoire", _("Fabriques de Territoire")
    ECLAIREURS = "Les Éclaireurs du numérique (Drôme)", _("Les Éclaireurs du numérique (Drôme)")
    MES_PAPIERS = "Mes Papiers (Métropole de Lyon)", _("Mes Papiers (Métropole de Lyon)")
    ORDI3 = "ORDI 3.0", _("ORDI 3.0")
    SUD_LABS = "SUD LABS (PACA)", _("SUD LABS (PACA)")


# The national programmes that name a place on the map, in this order of precedence.
KIND_BY_PROGRAMME = ("France Services", "Conseillers numériques", "Aidants Connect")


def _choices_array(choices, label, *, blank=True):
    return ArrayField(
        models.CharField(max_length=120, choices=choices.choices),
        verbose_name=label,
        default=list,
        blank=blank,
    )


def _new_identifier() -> str:
    # The schema's ``id``: a local, stable identifier. Prefixed by our source so that data·inclusion ids
    # built from it (``cd35`` source) never collide with the structures' ids.
    return f"lieu-{uuid.uuid4()}"


pivot_validator = RegexValidator(
    r"^(\d{14}|W\d{9})$", _("Le pivot est un SIRET (14 chiffres) ou un numéro RNA (W suivi de 9 chiffres).")
)
postcode_validator = RegexValidator(r"^\d{5}$", _("Le code postal compte 5 chiffres."))
phone_validator = RegexValidator(
    r"^\+33\d{9}$", _("Téléphone au format international, sans espace (par ex. +33299000000).")
)


class Lieu(models.Model):
    """A place offering digital-inclusion help, as the national standard describes it.

    ``published`` says whether the public map and API show it; partners' edits go through the annuaire's
    moderation (a pending change is applied only when the Info sociale team publishes it), so the row always
    holds the published values. ``updated_at`` is the schema's ``date_maj`` and drives the staleness reminders.
    """

    identifier = models.CharField(
        _("identifiant"), max_length=64, unique=True, default=_new_identifier, editable=False
    )
    pivot = models.CharField(_("SIRET ou RNA"), max_length=14, blank=True, validators=[pivot_validator], db_index=True)
    nom = models.CharField(_("nom"), max_length=200)
    adresse = models.CharField(_("adresse"), max_length=255)
    complement_adresse = models.CharField(_("complément d'adresse"), max_length=255, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=5, validators=[postcode_validator])
    commune = models.ForeignKey(
        "grc.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="lieux_mednum"
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # The standard's enumeration (data·inclusion typologies of structures, ``mednum.typologies``), not free text.
    typologie = _choices_array(Typologie, _("typologie (data·inclusion)"))
    telephone = models.CharField(_("téléphone"), max_length=16, blank=True, validators=[phone_validator])
    courriels = ArrayField(models.EmailField(), verbose_name=_("courriels"), default=list, blank=True)
    site_web = ArrayField(models.URLField(), verbose_name=_("sites web"), default=list, blank=True)
    horaires = models.CharField(
        _("horaires"),
        max_length=500,
        blank=True,
        validators=[validate_horaires],
        help_text=_("Format OpenStreetMap, par ex. « Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off »."),
    )
    presentation_resume = models.CharField(_("présentation résumée"), max_length=280, blank=True)
    presentation_detail = models.TextField(_("présentation détaillée"), blank=True)
    source = models.CharField(_("source"), max_length=100, default="cd35")
    structure_parente = models.CharField(_("structure parente"), max_length=200, blank=True)
    itinerance = _choices_array(Itinerance, _("itinérance"))
    services = _choices_array(Service, _("services"), blank=False)
    publics_specifiquement_adresses = _choices_array(PublicAdresse, _("publics spécifiquement adressés"))
    prise_en_charge_specifique = _choices_array(PriseEnCharge, _("prise en charge spécifique"))
    frais_a_charge = _choices_array(Frais, _("frais à charge"))
    dispositif_programmes_nationaux = _choices_array(DispositifProgramme, _("dispositifs et programmes nationaux"))
    formations_labels = _choices_array(FormationLabel, _("formations et labels"))
    autres_formations_labels = ArrayField(
        models.CharField(max_length=120), verbose_name=_("autres formations et labels"), default=list, blank=True
    )
    modalites_acces = _choices_array(ModaliteAcces, _("modalités d'accès"))
    modalites_accompagnement = _choices_array(ModaliteAccompagnement, _("modalités d'accompagnement"))
    prise_rdv = models.URLField(_("prise de rendez-vous (lien)"), blank=True)
    fiche_acces_libre = models.URLField(_("fiche Accès libre (accessibilité)"), blank=True)
    structure = models.ForeignKey(
        "annuaire.Structure",
        verbose_name=_("structure de l'annuaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lieux",
        help_text=_("La structure qui tient le lieu : ses représentants validés proposent les mises à jour."),
    )
    published = models.BooleanField(_("publié"), default=True, db_index=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    # Set by the services (a published change renews it), not on every save: it is the schema's ``date_maj`` and
    # what the staleness reminders read.
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now, db_index=True)
    stale_reminded_at = models.DateTimeField(_("relance d'actualisation envoyée le"), null=True, blank=True)
    # The place as a feature of the map's GeoJSON, written with the row (``save``; rows bulk-created by the demo are
    # filled by ``mednum.services.lieu_features_fill``): the map's data is then a concatenation of these texts, not
    # hundreds of objects built and serialised on the first request after a change. ``saved_at`` moves on every
    # save (a withdrawal too, which leaves ``updated_at`` alone): the map cache's key reads it.
    feature_json = models.TextField(editable=False, blank=True, default="")
    saved_at = models.DateTimeField(editable=False, null=True)

    history = HistoricalRecords(excluded_fields=["feature_json", "saved_at"])

    class Meta:
        verbose_name = _("lieu de médiation numérique")
        verbose_name_plural = _("lieux de médiation numérique")
        ordering = ["nom"]
        indexes = [
            # Radius searches filter a lat/lon bounding box first (no PostGIS here), then compute distances.
            models.Index(fields=["latitude", "longitude"], name="mednum_lieu_latlon"),
            models.Index(fields=["published", "commune"], name="mednum_lieu_pub_commune"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="mednum_lieu_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="mednum_lieu_longitude_range",
            ),
            models.CheckConstraint(condition=~models.Q(services=[]), name="mednum_lieu_has_service"),
        ]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        self.feature_json = self.feature_text() if self.pk else ""
        self.saved_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "feature_json", "saved_at"}
        super().save(*args, **kwargs)
        if not self.feature_json:
            # A new row: its URL needs its id. A plain update, not a second save (which would be a second history
            # row for one creation).
            self.feature_json = self.feature_text()
            type(self).objects.filter(pk=self.pk).update(feature_json=self.feature_json)

    def get_absolute_url(self):
        return reverse("lieux:detail", args=[self.pk])

    @property
    def kind(self) -> str:
        """A short label for the map: its national programme if any, else « Lieu de médiation numérique »."""
        for programme in KIND_BY_PROGRAMME:
            if programme in self.dispositif_programmes_nationaux:
                return programme
        return gettext("Lieu de médiation numérique")

    def feature(self) -> dict | None:
        """The place as a GeoJSON point (coordinates rounded to 5 decimals, about 1 m), or None without any."""
        point = self.point
        if point is None:
            return None
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(point[1], 5), round(point[0], 5)]},
            "properties": {
                "id": self.identifier,
                "name": self.nom,
                "url": self.get_absolute_url(),
                "address": f"{self.adresse}, {self.code_postal} {self.commune.name}",
                "kind": self.kind,
            },
        }

    def feature_text(self) -> str:
        """``feature()`` as compact JSON text (empty when the place cannot be placed on a map)."""
        feature = self.feature()
        return json.dumps(feature, ensure_ascii=False, separators=(",", ":")) if feature else ""

    @property
    def updated_on(self):
        """The schema's ``date_maj`` (local date of the last published update)."""
        return timezone.localdate(self.updated_at) if self.updated_at else None

    @property
    def point(self) -> tuple[float, float] | None:
        """(lat, lon) of the place, or of its commune's centre when it has no coordinates of its own."""
        if self.latitude is not None and self.longitude is not None:
            return (self.latitude, self.longitude)
        if self.commune.latitude is not None:
            return (self.commune.latitude, self.commune.longitude)
        return None
