"""The demo organisation: the six territories, ~20 CDAS with their teams, the headquarters and the mailroom.

Idempotent: territories and teams are keyed on their ``code``, sites on their name.
"""

from __future__ import annotations

from django.db import transaction

from grc.models import Commune, Site, Team, Territory
from grc.selectors.territory import distance_km
from grc.services.territory import commune_sector_set

from . import data
from .records import Counts, upsert


@transaction.atomic
def seed_organisation(*, actor, counts: Counts) -> None:
    """The six territories, ~20 CDAS with their teams, the headquarters, the mailroom and Département-wide teams."""
    territories = {}
    for code, name in data.TERRITORIES:
        territories[code] = upsert(
            Territory, {"code": code}, {"name": name}, actor=actor, counts=counts, label="territoires"
        )
    headquarters = upsert(
        Site,
        {"name": data.HEADQUARTERS[0]},
        {"kind": Site.Kind.HEADQUARTERS, "territory_id": None, "address": data.HEADQUARTERS[1]},
        actor=actor,
        counts=counts,
        label="sites",
    )
    mailroom = upsert(
        Site,
        {"name": data.MAILROOM[0]},
        {"kind": Site.Kind.MAILROOM, "territory_id": None, "address": data.MAILROOM[1]},
        actor=actor,
        counts=counts,
        label="sites",
    )
    for spec in data.CDAS:
        territory = territories[spec.territory]
        commune = data.COMMUNES_BY_NAME[spec.commune]
        site = upsert(
            Site,
            {"name": spec.name},
            {
                "kind": Site.Kind.CDAS,
                "territory_id": territory.id,
                "address": f"{commune.postcode} {commune.name}",
                "commune_id": commune.insee,
            },
            actor=actor,
            counts=counts,
            label="sites",
        )
        for prefix, kind, label in data.CDAS_TEAMS:
            upsert(
                Team,
                {"code": f"{prefix}-{spec.code}"},
                {"name": f"{label} — {spec.name}", "kind": kind, "site_id": site.id, "territory_id": territory.id},
                actor=actor,
                counts=counts,
                label="équipes",
            )
    sites = {"hq": headquarters, "mailroom": mailroom}
    for code, kind, name, site_key in data.DEPARTEMENT_TEAMS:
        upsert(
            Team,
            {"code": code},
            {"name": name, "kind": kind, "site_id": sites[site_key].id, "territory_id": None},
            actor=actor,
            counts=counts,
            label="équipes",
        )
    seed_sectors(actor=actor, counts=counts)


# Rennes has several CDAS; a sector table by commune cannot split a city by street, so the city goes to one.
SECTOR_OF_SPLIT_CITIES = {"35238": "CDAS Rennes Centre"}


def seed_sectors(*, actor, counts: Counts) -> None:
    """Give every commune without a sector the nearest CDAS (a plausible stand-in for the Département's table).

    Sectors already set — by an earlier run or by the functional admin — are never changed.
    """
    cdas = list(Site.objects.filter(kind=Site.Kind.CDAS).exclude(commune=None).select_related("commune"))
    if not cdas:
        return
    by_name = {site.name: site for site in cdas}
    seats = {}
    for site in cdas:
        seats.setdefault(site.commune_id, site)
    seats.update({code: by_name[name] for code, name in SECTOR_OF_SPLIT_CITIES.items() if name in by_name})
    for commune in Commune.objects.filter(cdas=None).defer("boundary"):
        site = seats.get(commune.code) or min(cdas, key=lambda s: distance_km(commune, s.commune) or 0.0)
        commune_sector_set(commune=commune, cdas=site, actor=actor)
        counts.add("secteurs CDAS", created=True)
