"""Summary tables of the observatory: counts by month × territory × programme, and nothing about anyone.

One fact table per source. A row is a cell: a month (first day), the commune where the person lives (INSEE
code, empty when unknown or anonymous), the site that did the work (CDAS, antenne, HQ; empty when none) and the
source's own dimensions, with a count (and, for help sessions, minutes). No citizen, no agent, no row id of a
source table: the tables say how many, never who, and survive the retention and erasure of the sources (closed
months are frozen; see ``observatoire.refresh`` and docs/observatoire.md).

Commune and site are foreign keys WITHOUT a database constraint: a fact outlives a renamed or removed site, and
filters join through them (commune → EPCI, site → agence).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grain(models.IntegerChoices):
    """How fine a fact row is. The refresh writes the detail, then rolls it up in SQL into coarser rows of the
    same table, so that a page over the whole Département does not add up a row per commune × site × dimension
    (``observatoire.selectors.facts`` picks the coarsest grain that holds what a query groups and filters by).
    ``EPCI`` rows carry the commune's EPCI (``epci``) instead of the commune and the site: a page filtered on one
    EPCI reads its few pre-aggregated rows, not the detail of its communes summed at request time."""

    DETAIL = 0, _("détail (commune et site)")
    SITE = 1, _("sans la commune")
    COMMUNE = 2, _("commune et programme seulement (carte)")
    EPCI = 3, _("EPCI, sans la commune ni le site")


def _grain():
    return models.PositiveSmallIntegerField(_("grain"), choices=Grain.choices, default=Grain.DETAIL)


def _commune():
    return models.ForeignKey(
        "grc.Commune",
        verbose_name=_("commune de résidence"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )


def _epci():
    # Set on ``Grain.EPCI`` rows only (NULL there too for an unknown commune); no constraint, as the commune, and
    # no index of its own: the partial (epci, month) index of each table serves it.
    return models.ForeignKey(
        "grc.Epci",
        verbose_name=_("EPCI de résidence"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )


def _epci_index(name: str) -> models.Index:
    # Partial: only the EPCI grain has an EPCI, the other grains' rows stay out of the index.
    return models.Index(fields=["epci", "month"], name=name, condition=models.Q(epci__isnull=False))


def _site():
    return models.ForeignKey(
        "grc.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )


class RequestFact(models.Model):
    """Requests filed (submitted) in a month, by procedure and channel."""

    month = models.DateField(_("mois"))
    grain = _grain()
    commune = _commune()
    epci = _epci()
    site = _site()
    programme = models.CharField(_("programme"), max_length=20, blank=True)
    procedure = models.CharField(_("démarche"), max_length=255)
    channel = models.CharField(_("canal"), max_length=10)
    count = models.PositiveIntegerField(_("nombre"))

    class Meta:
        verbose_name = _("agrégat des demandes déposées")
        verbose_name_plural = _("agrégats des demandes déposées")
        indexes = [
            models.Index(fields=["month"], name="obs_request_month"),
            models.Index(fields=["grain", "month"], name="obs_request_grain"),
            models.Index(fields=["commune", "month"], name="obs_request_commune"),
            _epci_index("obs_request_epci"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.procedure} {self.channel}: {self.count}"


class RequestDelayFact(models.Model):
    """Requests decided in a month, by the number of days from filing to decision: a histogram, so that the
    median and the 90th percentile are computed at query time for any filter without keeping any request."""

    month = models.DateField(_("mois de la décision"))
    grain = _grain()
    commune = _commune()
    epci = _epci()
    site = _site()
    programme = models.CharField(_("programme"), max_length=20, blank=True)
    procedure = models.CharField(_("démarche"), max_length=255)
    channel = models.CharField(_("canal"), max_length=10)
    days = models.PositiveIntegerField(_("délai (jours)"))
    count = models.PositiveIntegerField(_("nombre"))

    class Meta:
        verbose_name = _("agrégat des délais de traitement")
        verbose_name_plural = _("agrégats des délais de traitement")
        indexes = [
            models.Index(fields=["month"], name="obs_delay_month"),
            models.Index(fields=["grain", "month"], name="obs_delay_grain"),
            models.Index(fields=["commune", "month"], name="obs_delay_commune"),
            _epci_index("obs_delay_epci"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.procedure} {self.days} j: {self.count}"


class MailFact(models.Model):
    """Letters received (by month of receipt) and routed (by month of routing)."""

    class Event(models.TextChoices):
        RECEIVED = "received", _("Reçus")
        ROUTED = "routed", _("Orientés")

    month = models.DateField(_("mois"))
    grain = _grain()
    commune = _commune()
    epci = _epci()
    site = _site()
    programme = models.CharField(_("programme"), max_length=20, blank=True)
    event = models.CharField(_("étape"), max_length=10, choices=Event.choices)
    count = models.PositiveIntegerField(_("nombre"))

    class Meta:
        verbose_name = _("agrégat du courrier")
        verbose_name_plural = _("agrégats du courrier")
        indexes = [
            models.Index(fields=["month"], name="obs_mail_month"),
            models.Index(fields=["grain", "month"], name="obs_mail_grain"),
            models.Index(fields=["commune", "month"], name="obs_mail_commune"),
            _epci_index("obs_mail_epci"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.event}: {self.count}"


class AppointmentFact(models.Model):
    """Appointment participations by month of the appointment and participant status (no-show rate)."""

    month = models.DateField(_("mois"))
    grain = _grain()
    commune = _commune()
    epci = _epci()
    site = _site()
    programme = models.CharField(_("programme"), max_length=20, blank=True)
    status = models.CharField(_("statut"), max_length=10)
    count = models.PositiveIntegerField(_("nombre"))

    class Meta:
        verbose_name = _("agrégat des rendez-vous")
        verbose_name_plural = _("agrégats des rendez-vous")
        indexes = [
            models.Index(fields=["month"], name="obs_rdv_month"),
            models.Index(fields=["grain", "month"], name="obs_rdv_grain"),
            models.Index(fields=["commune", "month"], name="obs_rdv_commune"),
            _epci_index("obs_rdv_epci"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.status}: {self.count}"


class HelpSessionFact(models.Model):
    """Digital-help sessions by month, level, place and outcome (with their total duration)."""

    month = models.DateField(_("mois"))
    grain = _grain()
    commune = _commune()
    epci = _epci()
    site = _site()
    level = models.CharField(_("niveau"), max_length=20)
    place_kind = models.CharField(_("lieu"), max_length=20)
    outcome = models.CharField(_("issue"), max_length=20)
    count = models.PositiveIntegerField(_("nombre"))
    # Sessions whose duration was given: the mean duration is minutes ÷ timed, whatever the grain (a cell mixing
    # sessions with and without a duration would otherwise lower the mean).
    timed = models.PositiveIntegerField(_("séances dont la durée est connue"), default=0)
    minutes = models.PositiveBigIntegerField(_("durée totale (minutes)"), default=0)

    class Meta:
        verbose_name = _("agrégat des aides numériques")
        verbose_name_plural = _("agrégats des aides numériques")
        indexes = [
            models.Index(fields=["month"], name="obs_help_month"),
            models.Index(fields=["grain", "month"], name="obs_help_grain"),
            models.Index(fields=["commune", "month"], name="obs_help_commune"),
            _epci_index("obs_help_epci"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.level}: {self.count}"


class HelpProcedureFact(models.Model):
    """Digital-help sessions by procedure concerned (a session about two procedures counts in both)."""

    month = models.DateField(_("mois"))
    grain = _grain()
    commune = _commune()
    epci = _epci()
    site = _site()
    level = models.CharField(_("niveau"), max_length=20)
    procedure = models.CharField(_("démarche"), max_length=20)
    count = models.PositiveIntegerField(_("nombre"))

    class Meta:
        verbose_name = _("agrégat des démarches accompagnées")
        verbose_name_plural = _("agrégats des démarches accompagnées")
        indexes = [
            models.Index(fields=["month"], name="obs_helpproc_month"),
            models.Index(fields=["grain", "month"], name="obs_helpproc_grain"),
            models.Index(fields=["commune", "month"], name="obs_helpproc_commune"),
            _epci_index("obs_helpproc_epci"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.procedure}: {self.count}"


class NonRecoursFact(models.Model):
    """Estimated non-take-up (issue 21): people with a benefit estimated above zero that they neither receive nor
    asked for nor are accompanied for (``droits.NonRecours``), by benefit and commune of the recorded housing.

    A snapshot, not a flow: the refresh rewrites the current month's rows from the live table, so each month keeps
    the state of its last refresh (a series). One grain (commune, with its EPCI and CDAS sector beside it): a few
    thousand rows per month at most. ``amount`` is the sum of the estimated monthly amounts, in whole euros."""

    month = models.DateField(_("mois de l'état"))
    commune = _commune()
    epci = _epci()
    site = _site()
    benefit = models.CharField(_("prestation"), max_length=30)
    count = models.PositiveIntegerField(_("personnes"))
    amount = models.PositiveBigIntegerField(_("montant mensuel estimé (€)"), default=0)

    class Meta:
        verbose_name = _("agrégat du non-recours estimé")
        verbose_name_plural = _("agrégats du non-recours estimé")
        indexes = [
            models.Index(fields=["month", "benefit"], name="obs_nonrecours_month"),
            models.Index(fields=["commune", "month"], name="obs_nonrecours_commune"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.benefit}: {self.count}"


# The measures drawn on the map: their facts also get ``Grain.COMMUNE`` rows.
COMMUNE_GRAIN_MODELS = (RequestFact, HelpSessionFact)


class FrozenMonth(models.Model):
    """A month whose facts are final: the refresh never recomputes it, so that requests, letters, appointments
    and sessions anonymised or erased later still count. Months older than ``OBSERVATOIRE_OPEN_MONTHS`` are
    frozen by the refresh itself."""

    month = models.DateField(_("mois"), primary_key=True)
    frozen_at = models.DateTimeField(_("figé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("mois figé")
        verbose_name_plural = _("mois figés")
        ordering = ["month"]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class RefreshRun(models.Model):
    """One refresh of the summary tables (scheduler or command): when, which months, how many cells, how long.

    Who reads the observatory is decided by memberships (``observatoire.perms``): team managers, functional
    admins and the members of the Observatoire team."""

    class Status(models.TextChoices):
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    started_at = models.DateTimeField(_("commencé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    first_month = models.DateField(_("premier mois recalculé"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("cellules écrites"), default=0)
    seconds = models.FloatField(_("durée (s)"), null=True, blank=True)
    error = models.CharField(_("erreur"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("actualisation de l'observatoire")
        verbose_name_plural = _("actualisations de l'observatoire")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.started_at:%d/%m/%Y %H:%M} {self.status}"
