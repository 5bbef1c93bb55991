"""Demo lieux de médiation numérique: 450 places spread over the real communes of Ille-et-Vilaine.

Plausible for the Département: a France Services in the main towns of each EPCI, the pilot CDAS of the
accueil numérique social, médiathèques and CCAS in the larger communes, associations (more of them in the
cities), a few itinerant buses. Coordinates are the commune's centre moved by a few hundred metres; about one
place in ten was last updated more than a year ago (the staleness reminders have something to do).

Written with ``bulk_create_with_history`` (one history row each): seconds, not a minute. Idempotent: places are
keyed by a stable identifier (``lieu-demo-NNN``), only the missing ones are added. Deterministic (seeded random).
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from grc.models import Commune, Site
from mednum.models import (
    DispositifProgramme,
    Frais,
    Itinerance,
    Lieu,
    ModaliteAcces,
    ModaliteAccompagnement,
    PriseEnCharge,
    PublicAdresse,
    Service,
)

from ..records import CHANGE_REASON, Counts

TOTAL = 450
LABEL = "lieux de médiation numérique"
HORAIRES = [
    "Mo-Fr 09:00-12:00,14:00-17:30",
    "Mo-Fr 08:30-12:30,13:30-17:00; Sa 09:00-12:00",
    "Tu,Th 14:00-18:00; We 10:00-12:00,14:00-18:00; Sa 10:00-17:00",
    "Tu 14:00-18:30; We 10:00-18:00; Fr 14:00-18:30; Sa 10:00-16:00",
    "Mo,We,Fr 09:00-12:00",
    "Tu-Sa 10:00-12:30,14:00-18:00",
    "We 14:00-17:00; Sa 09:30-12:00",
    "Mo-Fr 09:00-12:30,13:30-17:00; PH off",
]
STREETS = [
    "place de la Mairie",
    "rue de la République",
    "rue du Général de Gaulle",
    "rue de l'Église",
    "avenue Jean Jaurès",
    "rue des Écoles",
    "place du Marché",
    "rue de Rennes",
    "rue Nationale",
]
ASSOCIATIONS = [
    "Espace social et culturel",
    "Atelier numérique associatif",
    "Point numérique solidaire",
    "Cyber-espace",
    "Maison de quartier",
    "Centre social",
    "Fabrique numérique",
    "Repair café numérique",
    "Maison des jeunes",
]
# kind -> (typologie, share of the rest, services, dispositifs)
KINDS = {
    "mediatheque": (
        "BIB",
        0.38,
        [Service.ACCES_MATERIEL, Service.OUTILS_QUOTIDIEN, Service.LOISIRS, Service.COMPREHENSION],
        [],
    ),
    "ccas": ("CCAS", 0.26, [Service.DEMARCHES, Service.ACCES_MATERIEL], []),
    "association": (
        "ASSO",
        0.33,
        [
            Service.OUTILS_QUOTIDIEN,
            Service.INSERTION_PRO,
            Service.SECURITE,
            Service.PARENTALITE,
            Service.MATERIEL_PRIX_SOLIDAIRE,
        ],
        [DispositifProgramme.CONSEILLERS_NUMERIQUES, DispositifProgramme.PIX],
    ),
    "bus": ("ASSO", 0.03, [Service.DEMARCHES, Service.OUTILS_QUOTIDIEN], [DispositifProgramme.CONSEILLERS_NUMERIQUES]),
}


def _siret(rng: random.Random) -> str:
    """A made-up SIRET that passes the Luhn check (as real ones do)."""
    digits = [rng.randrange(10) for _ in range(13)]
    for check in range(10):
        number = [*digits, check]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(number)))
        if total % 10 == 0:
            return "".join(map(str, number))
    raise AssertionError("unreachable: one check digit always fits")


def _lieu(rng, n, *, kind, nom, commune, services, dispositifs, typologie, now) -> Lieu:
    spread = 0.03 if (commune.population or 0) > 50_000 else 0.008
    days_ago = rng.randrange(400, 700) if rng.random() < 0.1 else rng.randrange(1, 330)
    chosen = sorted({*rng.sample(services, k=min(len(services), rng.randint(1, 3))), services[0]})
    return Lieu(
        identifier=f"lieu-demo-{n:03d}",
        pivot=_siret(rng),
        nom=nom[:200],
        adresse=f"{rng.randint(1, 40)} {rng.choice(STREETS)}",
        code_postal=(commune.postcodes or ["35000"])[0],
        commune=commune,
        latitude=round(commune.latitude + rng.uniform(-spread, spread), 5),
        longitude=round(commune.longitude + rng.uniform(-spread * 1.5, spread * 1.5), 5),
        typologie=[typologie],
        telephone=f"+332{rng.randrange(10**7, 10**8)}",
        courriels=[f"numerique{n}@exemple-35.fr"],
        horaires=rng.choice(HORAIRES),
        presentation_resume=f"{nom} : accompagnement au numérique pour les habitants de {commune.name}."[:280],
        source="cd35",
        itinerance=[Itinerance.ITINERANT] if kind == "bus" else [Itinerance.FIXE],
        services=chosen,
        publics_specifiquement_adresses=rng.sample(list(PublicAdresse.values), k=rng.choice([0, 0, 1, 2])),
        prise_en_charge_specifique=rng.sample(list(PriseEnCharge.values), k=rng.choice([0, 0, 0, 1])),
        frais_a_charge=[Frais.PAYANT]
        if rng.random() < 0.06
        else [rng.choice([Frais.GRATUIT, Frais.GRATUIT, Frais.GRATUIT_SOUS_CONDITION])],
        dispositif_programmes_nationaux=sorted(set(dispositifs)),
        modalites_acces=[ModaliteAcces.SE_PRESENTER, ModaliteAcces.TELEPHONER],
        modalites_accompagnement=sorted(
            {ModaliteAccompagnement.INDIVIDUEL, rng.choice(list(ModaliteAccompagnement.values))}
        ),
        updated_at=now - datetime.timedelta(days=days_ago),
    )


def _plan(rng, communes, now) -> list[Lieu]:
    """The 450 places: France Services and pilot CDAS first, then the other kinds by their share."""
    lieux: list[Lieu] = []
    by_epci: dict[str, list[Commune]] = {}
    for commune in communes:
        by_epci.setdefault(commune.epci_id or "", []).append(commune)
    for towns in by_epci.values():  # the two largest towns of each EPCI have a France Services
        for commune in sorted(towns, key=lambda c: -(c.population or 0))[:2]:
            lieux.append(
                _lieu(
                    rng,
                    len(lieux) + 1,
                    kind="fs",
                    nom=f"France Services de {commune.name}",
                    commune=commune,
                    services=[Service.DEMARCHES, Service.ACCES_MATERIEL],
                    dispositifs=[DispositifProgramme.FRANCE_SERVICES, DispositifProgramme.AIDANTS_CONNECT],
                    typologie="RFS",
                    now=now,
                )
            )
    for site in Site.objects.filter(kind=Site.Kind.CDAS, is_numerique_pilot=True).exclude(commune=None):
        commune = next((c for c in communes if c.code == site.commune_id), None)
        if commune is not None:
            lieux.append(
                _lieu(
                    rng,
                    len(lieux) + 1,
                    kind="cdas",
                    nom=f"{site.name} — accueil numérique",
                    commune=commune,
                    services=[Service.DEMARCHES],
                    dispositifs=[],
                    typologie="CD",
                    now=now,
                )
            )
    weights = [max(c.population or 1, 400) ** 0.7 for c in communes]
    rest = TOTAL - len(lieux)
    for kind, (typologie, share, services, dispositifs) in KINDS.items():
        for _ in range(round(rest * share)):
            if len(lieux) >= TOTAL:
                break
            commune = rng.choices(communes, weights=weights)[0]
            nom = {
                "mediatheque": f"Médiathèque de {commune.name}",
                "ccas": f"CCAS de {commune.name} — point numérique",
                "association": f"{rng.choice(ASSOCIATIONS)} de {commune.name}",
                "bus": f"Bus numérique du pays de {commune.name}",
            }[kind]
            lieux.append(
                _lieu(
                    rng,
                    len(lieux) + 1,
                    kind=kind,
                    nom=nom,
                    commune=commune,
                    services=services,
                    dispositifs=rng.sample(dispositifs, k=min(len(dispositifs), rng.randint(0, 1))),
                    typologie=typologie,
                    now=now,
                )
            )
    while len(lieux) < TOTAL:  # rounding: the rest are associations
        commune = rng.choices(communes, weights=weights)[0]
        lieux.append(
            _lieu(
                rng,
                len(lieux) + 1,
                kind="association",
                nom=f"Atelier numérique de {commune.name}",
                commune=commune,
                services=KINDS["association"][2],
                dispositifs=[],
                typologie="ASSO",
                now=now,
            )
        )
    return lieux


@transaction.atomic
def seed(*, actor, counts: Counts) -> None:
    """450 lieux de médiation numérique over the real communes (see the module); only the missing ones."""
    rng = random.Random(35450)  # noqa: S311 -- reproducible demo data, not a secret
    communes = list(Commune.objects.exclude(latitude=None).select_related("epci").defer("boundary").order_by("code"))
    if not communes:
        return
    planned = _plan(rng, communes, timezone.now())
    existing = set(Lieu.objects.filter(identifier__startswith="lieu-demo-").values_list("identifier", flat=True))
    missing = [lieu for lieu in planned if lieu.identifier not in existing]
    counts.existing[LABEL] += len(existing)
    if missing:
        bulk_create_with_history(
            missing, Lieu, batch_size=500, default_user=actor, default_change_reason=CHANGE_REASON
        )
    counts.created[LABEL] += len(missing)
