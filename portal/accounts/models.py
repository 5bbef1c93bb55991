"""Citizen portal accounts: the identity typed at sign-up, OIDC (FranceConnect-style) identities, deletion requests.

The account itself is ``grc.User`` (``is_staff=False``); the citizen file it may be linked to is
``grc.Citizen.user`` (linked by ``portal.accounts.linking.ensure_citizen``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from grc.models import Citizen
from grc.validators import validate_birth_date, validate_name


class CitizenProfile(models.Model):
    """What a portal account says about its holder, and how much that is worth.

    The identity is the one typed at sign-up (``source=signup``) or received from the OIDC provider
    (``source=oidc``, overwritten at each OIDC login: the provider is authoritative). It is not the
    citizen reference: ``ensure_citizen`` uses it to find or create the ``Citizen``.
    """

    class Source(models.TextChoices):
        SIGNUP = "signup", _("Inscription sur le portail")
        OIDC = "oidc", _("FranceConnect")
        DEMO = "demo", _("Démonstration")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen_profile", verbose_name=_("compte")
    )
    birth_name = models.CharField(_("nom de naissance"), max_length=150, validators=[validate_name])
    usage_name = models.CharField(_("nom d'usage"), max_length=150, blank=True, validators=[validate_name])
    first_names = models.CharField(_("prénoms"), max_length=255, validators=[validate_name])
    birth_date = models.DateField(_("date de naissance"), validators=[validate_birth_date])
    birth_place = models.CharField(_("lieu de naissance"), max_length=150, blank=True, validators=[validate_name])
    birth_place_code = models.CharField(_("code INSEE du lieu de naissance"), max_length=5, blank=True)
    birth_country_code = models.CharField(_("code du pays de naissance"), max_length=5, blank=True)
    sex = models.CharField(_("sexe"), max_length=1, choices=Citizen.Sex.choices, default=Citizen.Sex.UNKNOWN)
    source = models.CharField(_("origine"), max_length=10, choices=Source.choices, default=Source.SIGNUP)
    assurance_level = models.PositiveSmallIntegerField(
        _("niveau de garantie de l'identité"), choices=Citizen.Assurance.choices, default=Citizen.Assurance.DECLARED
    )
    terms_accepted_at = models.DateTimeField(_("conditions acceptées le"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("adresse vérifiée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("profil d'usager du portail")
        verbose_name_plural = _("profils d'usagers du portail")

    def __str__(self):
        return f"Profil du compte {self.user_id}"

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class OidcIdentity(models.Model):
    """An account at an OpenID Connect provider (FranceConnect-style): ``(issuer, sub)`` names one person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities", verbose_name=_("compte")
    )
    issuer = models.CharField(_("fournisseur d'identité"), max_length=255)
    sub = models.CharField(_("identifiant chez le fournisseur"), max_length=255)
    created_at = models.DateTimeField(_("lié le"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("dernière connexion"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("identité FranceConnect")
        verbose_name_plural = _("identités FranceConnect")
        constraints = [models.UniqueConstraint(fields=["issuer", "sub"], name="oidc_identity_issuer_sub")]

    def __str__(self):
        return f"{self.issuer} / {self.pk}"


class AccountDeletionRequest(models.Model):
    """A citizen asked for their portal account to be deleted.

    The account is deactivated at once (no more logins) and an erasure request (art. 17 RGPD) is opened in
    the GDPR register with its legal deadline. The DPO then erases the portal account from the register
    entry — the citizen file and social file have their own legal retention and are not touched — or
    refuses with a reason, which closes both.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("À traiter")
        DONE = "done", _("Traitée")
        REFUSED = "refused", _("Refusée")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="account_deletion_requests",
        verbose_name=_("compte"),
    )
    email = models.EmailField(_("adresse du compte"))
    citizen = models.ForeignKey(
        Citizen, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("usager")
    )
    reason = models.TextField(_("motif"), blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.OPEN)
    requested_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
    )
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    handling_note = models.TextField(_("note de traitement"), blank=True)
    # The entry of the GDPR register (right to erasure, art. 17) opened with the request, so the legal
    # one-month deadline shows in the DPO's register.
    gdpr_request = models.OneToOneField(
        "privacy.GdprRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_deletion",
        verbose_name=_("demande au registre RGPD"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("demande de suppression de compte")
        verbose_name_plural = _("demandes de suppression de compte")
        indexes = [models.Index(fields=["status", "requested_at"], name="account_deletion_status")]

    def __str__(self):
        return f"Demande de suppression n° {self.pk}"


class EmailThrottle(models.Model):
    """One e-mail an anonymous form made us send, or one such form posted from an address: counted
    to refuse e-mail bombing through our domain (``portal.accounts.throttle``). ``key`` is an HMAC
    of the recipient or client address, never the address itself; rows older than a day are removed
    as new ones come."""

    scope = models.CharField(max_length=20)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        indexes = [
            models.Index(fields=["scope", "key", "at"], name="email_throttle_key_at"),
            models.Index(fields=["at"], name="email_throttle_at"),
        ]

    def __str__(self):
        return f"{self.scope} {self.at:%Y-%m-%d %H:%M}"
