"""Estimates of rights on the social file: the person's consent, the recorded situation, the stored estimates
and the precomputed "possible non-recours".

- ``EstimateConsent``: one row per consent given (how, by whom, when), withdrawn by dating ``withdrawn_at``;
  the rows are the history. At most one current consent per person (a partial unique constraint).
- ``RecordedSituation`` + ``SituationMember``: the household and its resources as the agent recorded them,
  one per person, edited through ``droits.services`` with simple_history. Converted to
  ``droits.engine.Situation`` by ``droits.situation``.
- ``RightsEstimate``: an estimate an agent chose to save ("Enregistrer"), with the period, engine and
  legislation versions and every benefit's result. It always names the consent it was made under
  (NOT NULL, PROTECT): no stored estimate without a consent; withdrawing deletes them.
- ``NonRecours``: derived, rebuilt by the worker (``droits.batch``) — one row per person and benefit estimated
  above zero that the household neither receives nor asked for nor is accompanied for. Who may see a row is
  the social file's own rule, applied at read time (``droits.selectors``), so a team change never leaves a
  stale copy of the permissions here.
- ``NonRecoursRun``: one row per batch run, its progress and summary (shown on the non-recours page).

Estimates and non-recours rows carry no simple_history: they are never edited (saved once, deleted on
withdrawal or by retention), and a historical copy would keep amounts the withdrawal must erase.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The benefit codes of ``droits.engine.BENEFITS`` (kept here as plain strings: a model must not load the
# engine; ``tests/droits`` checks both lists agree).
BENEFIT_CODES = ("rsa", "prime_activite", "aides_logement", "aah", "aspa", "css", "allocations_familiales", "apa")


class EstimateConsent(models.Model):
    """A person's consent to estimates of their rights from the situation recorded in their file."""

    class Method(models.TextChoices):
        ORAL = "oral", _("Oral, au guichet ou en entretien")
        WRITTEN = "ecrit", _("Écrit (formulaire signé)")
        PORTAL = "portail", _("Via le portail")

    citizen = models.ForeignKey(
        "grc.Citizen", verbose_name=_("usager"), on_delete=models.PROTECT, related_name="rights_consents"
    )
    method = models.CharField(_("recueilli"), max_length=10, choices=Method.choices)
    recorded_at = models.DateTimeField(_("recueilli le"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recueilli par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retrait enregistré par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consentement à l'estimation des droits")
        verbose_name_plural = _("consentements à l'estimation des droits")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen"], condition=Q(withdrawn_at__isnull=True), name="droits_one_current_consent"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("recorded_at")),
                name="droits_consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return f"{self.get_method_display()} — {self.recorded_at:%d/%m/%Y}"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None


class RecordedSituation(models.Model):
    """The household, housing and benefits already received, as recorded in the person's file."""

    class HousingStatus(models.TextChoices):
        # The values of ``droits.engine.Housing.status``.
        TENANT = "locataire", _("Locataire")
        OWNER = "proprietaire", _("Propriétaire")
        BUYER = "accedant", _("Accédant à la propriété (remboursement d'emprunt)")
        HOSTED = "heberge_gratuit", _("Hébergé gratuitement")
        HOMELESS = "sans_domicile", _("Sans domicile")

    citizen = models.OneToOneField(
        "grc.Citizen", verbose_name=_("usager"), on_delete=models.PROTECT, related_name="recorded_situation"
    )
    housing_status = models.CharField(_("logement"), max_length=20, choices=HousingStatus.choices)
    rent_monthly = models.DecimalField(_("loyer mensuel hors charges (€)"), max_digits=9, decimal_places=2, default=0)
    commune = models.ForeignKey(
        "grc.Commune",
        verbose_name=_("commune du logement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shared_housing = models.BooleanField(_("colocation"), default=False)
    already_receives = ArrayField(
        models.CharField(max_length=30), verbose_name=_("prestations déjà perçues"), default=list, blank=True
    )
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mis à jour par"), on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("situation enregistrée")
        verbose_name_plural = _("situations enregistrées")
        constraints = [
            models.CheckConstraint(condition=Q(rent_monthly__gte=0), name="droits_situation_rent_positive"),
            models.CheckConstraint(
                condition=Q(already_receives__contained_by=list(BENEFIT_CODES)), name="droits_situation_known_benefits"
            ),
        ]

    def __str__(self):
        return f"Situation de l'usager n° {self.citizen_id}"


class SituationMember(models.Model):
    """One person of the recorded household with their monthly resources (net, €)."""

    class Role(models.TextChoices):
        # The values of ``droits.engine.Member.role``.
        APPLICANT = "demandeur", _("Demandeur")
        SPOUSE = "conjoint", _("Conjoint")
        CHILD = "enfant", _("Enfant")
        OTHER = "autre", _("Autre adulte du logement")

    situation = models.ForeignKey(RecordedSituation, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(default=0)
    # The household member in the reference when there is one (prefilled from the household); else a first name.
    citizen = models.ForeignKey("grc.Citizen", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices)
    birth_date = models.DateField(_("date de naissance"))
    salary_monthly = models.DecimalField(_("salaires"), max_digits=9, decimal_places=2, default=0)
    self_employed_monthly = models.DecimalField(
        _("revenus d'activité indépendante"), max_digits=9, decimal_places=2, default=0
    )
    unemployment_monthly = models.DecimalField(_("allocations chômage"), max_digits=9, decimal_places=2, default=0)
    pension_monthly = models.DecimalField(_("pensions, retraites"), max_digits=9, decimal_places=2, default=0)
    other_income_monthly = models.DecimalField(_("autres revenus"), max_digits=9, decimal_places=2, default=0)
    disability_rate = models.PositiveSmallIntegerField(_("taux d'incapacité (%)"), null=True, blank=True)
    gir = models.PositiveSmallIntegerField(_("GIR"), null=True, blank=True)
    student = models.BooleanField(_("étudiant"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membre du foyer (situation)")
        verbose_name_plural = _("membres du foyer (situation)")
        ordering = ["situation", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["situation"], condition=Q(role="demandeur"), name="droits_member_one_applicant"
            ),
            models.CheckConstraint(
                condition=Q(salary_monthly__gte=0)
                & Q(self_employed_monthly__gte=0)
                & Q(unemployment_monthly__gte=0)
                & Q(pension_monthly__gte=0)
                & Q(other_income_monthly__gte=0),
                name="droits_member_resources_positive",
            ),
            models.CheckConstraint(
                condition=Q(disability_rate__isnull=True) | Q(disability_rate__lte=100),
                name="droits_member_disability_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(gir__isnull=True) | Q(gir__gte=1, gir__lte=6), name="droits_member_gir_range"
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} ({self.birth_date:%Y})"


class RightsEstimate(models.Model):
    """An estimate saved on the file by an agent: the results of every benefit, as the engine gave them."""

    citizen = models.ForeignKey(
        "grc.Citizen", verbose_name=_("usager"), on_delete=models.PROTECT, related_name="rights_estimates"
    )
    # The consent it was made under: no stored estimate without one (withdrawal deletes the estimates first).
    consent = models.ForeignKey(EstimateConsent, on_delete=models.PROTECT, related_name="estimates")
    period = models.CharField(_("mois estimé"), max_length=7)
    engine = models.CharField(_("moteur"), max_length=200)
    legislation = models.CharField(_("législation"), max_length=300)
    # [{"code", "label", "monthly_amount" (str), "eligible", "depends_on": [...], "note"}] in the engine's order.
    results = models.JSONField(_("résultats"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enregistrée par"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey("grc.Team", verbose_name=_("équipe"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("enregistrée le"), default=timezone.now)

    class Meta:
        verbose_name = _("estimation des droits")
        verbose_name_plural = _("estimations des droits")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period__regex=r"^\d{4}-\d{2}$"), name="droits_estimate_period"),
        ]
        indexes = [models.Index(F("citizen"), F("created_at").desc(), name="droits_estimate_citizen")]

    def __str__(self):
        return f"Estimation des droits n° {self.pk} ({self.period})"


class NonRecours(models.Model):
    """A possible non-take-up: a benefit estimated above zero that the household does not use (derived)."""

    citizen = models.ForeignKey("grc.Citizen", verbose_name=_("usager"), on_delete=models.CASCADE, related_name="+")
    file = models.ForeignKey(
        "dossier_unique.SocialFile", verbose_name=_("dossier social"), on_delete=models.CASCADE, related_name="+"
    )
    benefit = models.CharField(_("prestation"), max_length=30)
    monthly_amount = models.DecimalField(_("montant mensuel estimé (€)"), max_digits=9, decimal_places=2)
    # Where the household lives (the recorded housing commune): the view's filter and the observatory's counts.
    commune = models.ForeignKey(
        "grc.Commune", verbose_name=_("commune"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period = models.CharField(_("mois estimé"), max_length=7)
    computed_at = models.DateTimeField(_("calculé le"), default=timezone.now)

    class Meta:
        verbose_name = _("non-recours possible")
        verbose_name_plural = _("non-recours possibles")
        constraints = [
            models.UniqueConstraint(fields=["citizen", "benefit"], name="droits_nonrecours_one_per_benefit"),
            models.CheckConstraint(condition=Q(monthly_amount__gt=0), name="droits_nonrecours_amount_positive"),
            models.CheckConstraint(condition=Q(benefit__in=list(BENEFIT_CODES)), name="droits_nonrecours_benefit"),
        ]
        indexes = [
            models.Index(F("monthly_amount").desc(), F("id"), name="droits_nonrecours_amount"),
            models.Index(fields=["file"], name="droits_nonrecours_file"),
            models.Index(fields=["benefit", "commune"], name="droits_nonrecours_benefit"),
        ]

    def __str__(self):
        return f"{self.benefit} — usager n° {self.citizen_id}"


class NonRecoursRun(models.Model):
    """One run of the non-recours batch: its progress while it runs, its summary when done."""

    class Status(models.TextChoices):
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    started_at = models.DateTimeField(_("commencé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    period = models.CharField(_("mois estimé"), max_length=7, blank=True)
    households_total = models.PositiveIntegerField(_("foyers à estimer"), default=0)
    households_done = models.PositiveIntegerField(_("foyers estimés"), default=0)
    households_skipped = models.PositiveIntegerField(_("situations incomplètes"), default=0)
    rows_written = models.PositiveIntegerField(_("non-recours possibles"), default=0)
    seconds = models.FloatField(_("durée (s)"), null=True, blank=True)
    error = models.CharField(_("erreur"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("calcul des non-recours")
        verbose_name_plural = _("calculs des non-recours")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"Calcul des non-recours du {self.started_at:%d/%m/%Y %H:%M}"
