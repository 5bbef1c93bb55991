"""The demo organisation: the six territories, ~20 CDAS with their teams, the headquarters and the mailroom.

Idempotent: territories and teams are keyed on their ``code``, sites on their name.
"""

from __future__ import annotations

from django.db import transaction

from grc.models import Site, Team, Territory

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
            {"kind": Site.Kind.CDAS, "territory_id": territory.id, "address": f"{commune.postcode} {commune.name}"},
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
