"""The demo organisation: the six territories, ~20 CDAS with their teams, the headquarters and the mailroom.

Idempotent: territories and teams are keyed on their ``code``, sites on their name.
"""

from __future__ import annotations

from django.db import transaction

from grc.history import save_tracked
from grc.models import Commune, Epci, InclusionNetwork, Site, Team, Territory
from grc.selectors.territory import distance_km
from grc.services.territory import commune_sector_set

from . import data
from .records import CHANGE_REASON, Counts, upsert


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
    seed_inclusion(actor=actor, counts=counts)


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


# The eight CDAS piloting the accueil numérique social (issue 17).
NUMERIQUE_PILOTS = [
    "CDAS Saint-Malo",
    "CDAS Marches de Bretagne",
    "CDAS Guichen",
    "CDAS Brocéliande",
    "CDAS de la Baie",
    "CDAS Vitré",
    "CDAS Couronne rennaise Est",
    "CDAS Couronne rennaise Sud",
]

# Fourteen local digital-inclusion networks over the 18 EPCI (a plausible stand-in: four networks span two
# neighbouring intercommunalities): (code, name, EPCI SIREN codes).
INCLUSION_NETWORKS = [
    ("rlin-saint-malo", "Réseau numérique du Pays de Saint-Malo", ["243500782"]),
    ("rlin-emeraude-romantique", "Réseau numérique Côte d'Émeraude – Bretagne romantique", ["243500725", "243500733"]),
    ("rlin-dol-baie", "Réseau numérique du Pays de Dol et de la Baie", ["200070670"]),
    ("rlin-couesnon", "Réseau numérique Couesnon Marches de Bretagne", ["200070688"]),
    ("rlin-fougeres", "Réseau numérique de Fougères Agglomération", ["200072452"]),
    ("rlin-liffre-val-d-ille", "Réseau numérique Liffré-Cormier – Val d'Ille-Aubigné", ["243500774", "243500667"]),
    ("rlin-rennes", "Réseau numérique de Rennes Métropole", ["243500139"]),
    ("rlin-vitre", "Réseau numérique de Vitré Communauté", ["200039022"]),
    ("rlin-chateaugiron-roche", "Réseau numérique Châteaugiron – Roche aux Fées", ["243500659", "243500634"]),
    ("rlin-vallons", "Réseau numérique des Vallons de Haute-Bretagne", ["200043990"]),
    ("rlin-bretagne-porte-de-loire", "Réseau numérique Bretagne porte de Loire", ["200070662"]),
    ("rlin-redon", "Réseau numérique de Redon Agglomération", ["243500741"]),
    ("rlin-broceliande-montfort", "Réseau numérique Brocéliande – Montfort", ["243500618", "243500550"]),
    ("rlin-saint-meen-montauban", "Réseau numérique de Saint-Méen Montauban", ["200038990"]),
]


def seed_inclusion(*, actor, counts: Counts) -> None:
    """The pilot CDAS of the accueil numérique social and the 14 local digital-inclusion networks.

    A network's EPCI missing from the territory reference is left out of it (never invented); the EPCI a
    network covers are only added, never removed (the functional admin may have added some).
    """
    for site in Site.objects.filter(name__in=NUMERIQUE_PILOTS, is_numerique_pilot=False):
        site.is_numerique_pilot = True
        save_tracked(site, actor, CHANGE_REASON, update_fields=["is_numerique_pilot"])
        counts.add("CDAS pilotes du numérique", created=True)
    epcis = {epci.code: epci for epci in Epci.objects.all()}
    for code, name, epci_codes in INCLUSION_NETWORKS:
        network = upsert(
            InclusionNetwork, {"code": code}, {"name": name}, actor=actor, counts=counts, label="réseaux numériques"
        )
        wanted = [epcis[c] for c in epci_codes if c in epcis]
        present = set(network.epcis.values_list("pk", flat=True))
        missing = [epci for epci in wanted if epci.pk not in present]
        if missing:
            network._history_user = actor
            network.epcis.add(*missing)
