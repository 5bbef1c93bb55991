from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Territory(models.Model):
    """An agence départementale."""

    name = models.CharField(_("nom"), max_length=150, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Site(models.Model):
    class Kind(models.TextChoices):
        CDAS = "cdas", _("CDAS")
        ANTENNE = "antenne", _("Antenne")
        MAILROOM = "mailroom", _("Service courrier")
        HEADQUARTERS = "siege", _("Hôtel du Département")

    name = models.CharField(_("nom"), max_length=150, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    territory = models.ForeignKey(
        Territory, verbose_name=_("territoire"), null=True, blank=True, on_delete=models.PROTECT, related_name="sites"
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    commune = models.ForeignKey(
        "grc.Commune", verbose_name=_("commune"), null=True, blank=True, on_delete=models.PROTECT, related_name="sites"
    )
    # One of the CDAS piloting the accueil numérique social (graded digital help, issue 17).
    is_numerique_pilot = models.BooleanField(_("CDAS pilote de l'accueil numérique"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self):
        return self.name


class InclusionNetwork(models.Model):
    """A local digital-inclusion network (réseau local d'inclusion numérique) covering EPCI and/or communes.

    The Département counts fourteen; a network covers whole EPCI, and sometimes single communes of a
    neighbouring EPCI. The observatory and the orientation of help sessions read it.
    """

    name = models.CharField(_("nom"), max_length=150, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    epcis = models.ManyToManyField(
        "grc.Epci", verbose_name=_("EPCI couverts"), blank=True, related_name="inclusion_networks"
    )
    communes = models.ManyToManyField(
        "grc.Commune", verbose_name=_("communes couvertes en plus"), blank=True, related_name="inclusion_networks"
    )

    history = HistoricalRecords(m2m_fields=[epcis, communes])

    class Meta:
        verbose_name = _("réseau local d'inclusion numérique")
        verbose_name_plural = _("réseaux locaux d'inclusion numérique")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Team(models.Model):
    """A service working a queue (bannette): "PMI — CDAS Vitré", "Courrier"..."""

    class Kind(models.TextChoices):
        PMI = "pmi", _("PMI")
        RSA = "rsa", _("RSA / insertion")
        ASE = "ase", _("ASE")
        APA_PCH = "apa_pch", _("APA / PCH")
        POLYVALENCE = "polyvalence", _("Action sociale de proximité")
        LOGEMENT = "logement", _("Logement / FSL")
        TRANSPORT = "transport", _("Transport scolaire adapté")
        SUBSIDIES = "subventions", _("Subventions culture / sport")
        MEDIATION = "mediation", _("Médiation")
        MAIL = "courrier", _("Courrier")
        DPO = "dpo", _("Protection des données")
        OTHER = "autre", _("Autre")

    name = models.CharField(_("nom"), max_length=150, unique=True)
    code = models.SlugField(_("code"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="teams"
    )
    territory = models.ForeignKey(
        Territory, verbose_name=_("territoire"), null=True, blank=True, on_delete=models.PROTECT, related_name="teams"
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("équipe")
        verbose_name_plural = _("équipes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        SOCIAL_WORKER = "social_worker", _("Travailleur social")
        INSTRUCTOR = "instructor", _("Agent instructeur")
        MAILROOM_AGENT = "mailroom_agent", _("Agent courrier")
        TEAM_MANAGER = "team_manager", _("Responsable d'équipe")
        DPO = "dpo", _("Délégué à la protection des données")
        FUNCTIONAL_ADMIN = "functional_admin", _("Administrateur fonctionnel")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=30, choices=Role.choices)
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appartenance à une équipe")
        verbose_name_plural = _("appartenances aux équipes")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "team", "role"],
                condition=Q(end_date__isnull=True),
                name="one_open_membership_per_role",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.team} ({self.get_role_display()})"


class MembershipRequest(models.Model):
    """A membership an administrator asked for themselves: it waits for ANOTHER administrator.

    Nobody grants themselves access (``grc.services.memberships``): when the person changed is the
    person acting, the change is stored here, pending, and applied only when a different
    administrator approves it (``membership_request_approve``). ``membership`` is set for a change
    of an existing membership, empty for a new one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Approuvée")
        REFUSED = "refused", _("Refusée")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(Team, verbose_name=_("équipe"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("rôle"), max_length=30, choices=Membership.Role.choices)
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"), null=True, blank=True)
    membership = models.ForeignKey(
        Membership,
        verbose_name=_("appartenance modifiée"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    reason = models.CharField(_("motif"), max_length=255, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("demandée par"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decision_reason = models.CharField(_("motif de la décision"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("demande d'appartenance à valider")
        verbose_name_plural = _("demandes d'appartenance à valider")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # The rule lives in the services; the database keeps it even for a write that bypassed them.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="membership_request_not_self_decided",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_request_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "-requested_at"], name="membership_request_status")]

    def __str__(self):
        return f"{self.user} — {self.team} ({self.get_role_display()}) : {self.get_status_display()}"
