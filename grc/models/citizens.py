from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from grc.validators import validate_birth_date, validate_name


def first_name_of(first_names: str) -> str:
    """The first of the civil-status first names, written "Camille, Louise" or "Camille Louise"."""
    return (first_names or "").split(",")[0].strip().split(" ")[0]


class Citizen(models.Model):
    """One person in the citizen reference (référentiel usagers).

    The ``norm_*``, ``search_name`` and ``search_phonetic`` columns are derived from the identity by
    ``grc.matching.names.normalised_fields`` and written by the services (and the bulk loader) so that
    candidate retrieval is an indexed query. A merged citizen stays as a redirect
    (``status=merged``, ``merged_into`` set) with its whole history.
    """

    class Sex(models.TextChoices):
        FEMALE = "F", _("Féminin")
        MALE = "M", _("Masculin")
        UNKNOWN = "X", _("Non renseigné")

    class Assurance(models.IntegerChoices):
        DECLARED = 1, _("Déclarée")
        EMAIL_VERIFIED = 2, _("Adresse électronique vérifiée")
        DOCUMENT_CHECKED = 3, _("Pièce d'identité vérifiée")
        FRANCECONNECT = 4, _("FranceConnect")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MERGED = "merged", _("Fusionnée")

    birth_name = models.CharField(_("nom de naissance"), max_length=150, validators=[validate_name])
    usage_name = models.CharField(_("nom d'usage"), max_length=150, blank=True, validators=[validate_name])
    first_names = models.CharField(
        _("prénoms"), max_length=255, help_text=_("Dans l'ordre de l'état civil."), validators=[validate_name]
    )
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True, validators=[validate_birth_date])
    birth_place = models.CharField(_("lieu de naissance"), max_length=150, blank=True, validators=[validate_name])
    birth_place_code = models.CharField(_("code INSEE du lieu de naissance"), max_length=5, blank=True)
    birth_country = models.CharField(
        _("pays de naissance"), max_length=100, blank=True, default="France", validators=[validate_name]
    )
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    nir = models.CharField(_("NIR"), max_length=15, blank=True, default="")
    assurance_level = models.PositiveSmallIntegerField(
        _("niveau de garantie de l'identité"), choices=Assurance.choices, default=Assurance.DECLARED
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte du portail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="citizen",
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("fusionnée dans"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    # Derived, normalised identity for matching and search (grc.matching).
    norm_birth_name = models.CharField(max_length=150, blank=True, default="", editable=False)
    norm_usage_name = models.CharField(max_length=150, blank=True, default="", editable=False)
    norm_first_names = models.CharField(max_length=255, blank=True, default="", editable=False)
    search_name = models.CharField(max_length=600, blank=True, default="", editable=False)
    # Phonetic keys of the words of search_name (grc.matching.phonetics.phonetic): names typed as heard.
    search_phonetic = models.CharField(max_length=600, blank=True, default="", editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("usager")
        verbose_name_plural = _("usagers")
        constraints = [
            models.UniqueConstraint(
                fields=["nir"], condition=~Q(nir="") & Q(status="active"), name="unique_active_nir"
            ),
            models.CheckConstraint(
                condition=Q(status="active", merged_into__isnull=True) | Q(status="merged", merged_into__isnull=False),
                name="merged_citizen_has_target",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_name"], name="citizen_search_name_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(fields=["search_phonetic"], name="citizen_search_phonetic_trgm", opclasses=["gin_trgm_ops"]),
            # id and search_name included: name similarity over a set of birth dates is an index-only scan.
            models.Index(fields=["birth_date"], name="citizen_birth_date", include=["id", "search_name"]),
            models.Index(fields=["norm_birth_name", "birth_date"], name="citizen_birthname_date"),
            models.Index(fields=["norm_usage_name", "birth_date"], name="citizen_usagename_date"),
            # Family name + first-names prefix (LIKE 'JEAN%'), for matching without a birth date.
            models.Index(
                fields=["norm_birth_name", "norm_first_names"],
                name="citizen_birthname_first",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["norm_usage_name", "norm_first_names"],
                name="citizen_usagename_first",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["nir"], name="citizen_nir", condition=~Q(nir="")),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("backoffice:citizen_detail", args=[self.pk])

    @property
    def display_name(self):
        name = self.usage_name or self.birth_name
        suffix = f" (née {self.birth_name})" if self.usage_name and self.usage_name != self.birth_name else ""
        return f"{name.upper()} {self.first_names}{suffix}"

    @property
    def first_name(self):
        return first_name_of(self.first_names)

    @property
    def is_merged(self):
        return self.status == self.Status.MERGED


class Address(models.Model):
    """A dated postal address; ``end_date`` empty means current."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField(_("adresse"), max_length=255)
    line2 = models.CharField(_("complément"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10)
    city = models.CharField(_("commune"), max_length=150)
    insee_code = models.CharField(_("code INSEE"), max_length=5, blank=True)
    country = models.CharField(_("pays"), max_length=100, default="France")
    start_date = models.DateField(_("depuis le"), null=True, blank=True)
    end_date = models.DateField(_("jusqu'au"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("adresse")
        verbose_name_plural = _("adresses")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["postcode", "city"], name="address_postcode_city")]

    def __str__(self):
        return f"{self.line1}, {self.postcode} {self.city}"

    @property
    def is_current(self):
        return self.end_date is None


class ContactPoint(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("Courriel")
        PHONE = "phone", _("Téléphone")
        MOBILE = "mobile", _("Téléphone mobile")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("valeur"), max_length=255)
    is_primary = models.BooleanField(_("principal"), default=False)
    verified_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("moyen de contact")
        verbose_name_plural = _("moyens de contact")
        indexes = [models.Index(fields=["kind", "value"], name="contactpoint_kind_value")]

    def __str__(self):
        return f"{self.get_kind_display()} : {self.value}"


class Household(models.Model):
    """A foyer: people living together, with dated memberships."""

    label = models.CharField(_("libellé"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("foyer")
        verbose_name_plural = _("foyers")

    def __str__(self):
        return self.label or f"Foyer n° {self.pk}"


class HouseholdMembership(models.Model):
    class Role(models.TextChoices):
        DECLARANT = "declarant", _("Déclarant")
        SPOUSE = "conjoint", _("Conjoint")
        CHILD = "enfant", _("Enfant")
        OTHER_ADULT = "autre_adulte", _("Autre adulte")
        OTHER = "autre", _("Autre")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="household_memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    start_date = models.DateField(_("depuis le"), null=True, blank=True)
    end_date = models.DateField(_("jusqu'au"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membre du foyer")
        verbose_name_plural = _("membres du foyer")

    def __str__(self):
        return f"{self.citizen_id} — {self.get_role_display()}"
