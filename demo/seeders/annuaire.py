"""Demo annuaire social (the ``demo.annuaire`` seeder; idempotent): 3,500 structures with about four services
each, spread over the 332 real communes of Ille-et-Vilaine by population (every commune has its CCAS or mairie,
Rennes and the towns the associations, missions locales, France Services…), on data·inclusion v1 enumerations;
about one record in seven not updated for more than a year (stale, as in real life). The Info sociale team exists,
with the demo functional admin as its member. Bulk-created with their history rows: ``seed_demo`` runs in
``make run`` and in CI.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from annuaire.models import Service, Structure
from annuaire.perms import INFO_SOCIALE_TEAM_CODE
from grc.models import Commune, Membership, Team, User
from grc.services.memberships import membership_create

from .. import data
from ..records import CHANGE_REASON, upsert

STRUCTURES = 3500
PREFIX = "cd35--demo-"
# kind: (name pattern, réseaux porteurs, [(service name, type, thématiques, frais, publics)])
KINDS = {
    "ccas": ("CCAS de {commune}", ["ccas-cias"], [
        ("Aide alimentaire d'urgence", "aide-materielle", ["equipement-et-alimentation--alimentation"], "gratuit",
         ["personnes-en-situation-durgence"]),
        ("Accompagnement aux démarches", "accompagnement",
         ["difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"], "gratuit",
         ["tous-publics"]),
        ("Aide financière facultative", "aide-financiere",
         ["difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere"], "gratuit", ["familles"]),
        ("Portage de repas", "aide-materielle", ["famille--prise-en-charge-personne-dependante"], "payant",
         ["seniors"]),
    ]),
    "association": ("Association {theme} {commune}", [], [
        ("Épicerie solidaire", "aide-materielle", ["equipement-et-alimentation--alimentation"], "payant",
         ["beneficiaires-des-minimas-sociaux"]),
        ("Vestiaire solidaire", "aide-materielle", ["equipement-et-alimentation--habillement"], "gratuit",
         ["tous-publics"]),
        ("Cours de français", "atelier", ["lecture-ecriture-calcul--maitriser-le-francais"], "gratuit",
         ["personnes-exilees"]),
        ("Café des parents", "atelier", ["famille--soutien-a-la-parentalite-et-a-leducation"], "gratuit",
         ["familles"]),
        ("Atelier budget", "atelier", ["difficultes-financieres--ameliorer-sa-gestion-budgetaire"], "gratuit",
         ["tous-publics"]),
    ]),
    "france-services": ("France Services de {commune}", ["france-service"], [
        ("Aide aux démarches en ligne", "accompagnement", ["numerique--acceder-a-des-services-en-ligne"], "gratuit",
         ["tous-publics"]),
        ("Accès libre à un ordinateur", "aide-materielle", ["numerique--acceder-a-une-connexion-internet"],
         "gratuit", ["tous-publics"]),
        ("Point justice", "information",
         ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"], "gratuit",
         ["tous-publics"]),
        ("Aide à la déclaration de revenus", "accompagnement",
         ["difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"], "gratuit",
         ["tous-publics"]),
    ]),
    "mission-locale": ("Mission locale — antenne de {commune}", ["mission-locale"], [
        ("Accompagnement vers l'emploi", "accompagnement", ["trouver-un-emploi--repondre-a-des-offres-demploi"],
         "gratuit", ["jeunes"]),
        ("Aide au permis de conduire", "aide-financiere", ["mobilite--preparer-un-permis"], "gratuit", ["jeunes"]),
        ("Atelier CV", "atelier", ["preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"],
         "gratuit", ["jeunes"]),
        ("Logement des jeunes", "information",
         ["logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement"], "gratuit", ["jeunes"]),
    ]),
    "centre-social": ("Centre social {theme} de {commune}", ["fcsf"], [
        ("Accueil loisirs enfants", "atelier", ["famille--garde-denfants"], "payant", ["familles"]),
        ("Sorties familiales", "atelier", ["remobilisation--lien-social"], "payant", ["familles"]),
        ("Ateliers numériques", "atelier", ["numerique--maitriser-les-fondamentaux-du-numerique"], "gratuit",
         ["seniors"]),
        ("Permanence écrivain public", "accompagnement",
         ["difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"], "gratuit",
         ["tous-publics"]),
    ]),
    "sante": ("Point santé {theme} — {commune}", [], [
        ("Consultations sans rendez-vous", "accompagnement", ["sante--acces-aux-soins"], "gratuit",
         ["personnes-en-situation-durgence"]),
        ("Écoute et soutien psychologique", "accompagnement", ["sante--sante-mentale"], "gratuit", ["tous-publics"]),
        ("Prévention des addictions", "information", ["sante--addictions"], "gratuit", ["jeunes"]),
        ("Aide au dossier MDPH", "accompagnement", ["sante--constituer-un-dossier-mdph-invalidite"], "gratuit",
         ["personnes-en-situation-de-handicap"]),
    ]),
    "logement": ("Agence logement {theme} de {commune}", [], [
        ("Hébergement temporaire", "accompagnement",
         ["logement-hebergement--rechercher-une-solution-dhebergement-temporaire"], "gratuit",
         ["personnes-en-situation-durgence"]),
        ("Prévention des expulsions", "accompagnement", ["logement-hebergement--reduire-les-impayes-de-loyer"],
         "gratuit", ["tous-publics"]),
        ("Aide à la recherche de logement", "accompagnement", ["logement-hebergement--louer-un-logement"],
         "gratuit", ["tous-publics"]),
        ("Maintien dans le logement", "accompagnement", ["logement-hebergement--se-maintenir-dans-le-logement"],
         "gratuit", ["tous-publics"]),
    ]),
}  # fmt: skip
THEMES = ["Solidarité", "Entraide", "Horizons", "Le Lien", "Trait d'union", "Les Korrigans", "Arc-en-ciel",
          "Ty Coz", "L'Escale", "Le Relais", "Passerelle", "Les Ajoncs"]  # fmt: skip
STREETS = ["rue de la Mairie", "place de l'Église", "rue du Général de Gaulle", "avenue de Bretagne",
           "rue des Écoles", "boulevard de la Liberté", "rue Nationale", "place du Marché"]  # fmt: skip


def siret_for(number: int) -> str:
    """A SIRET with a valid Luhn key (made-up SIREN 8xxxxxxxx: no real establishment)."""
    body = f"8{number:08d}0001"
    for key in range(10):
        candidate = body + str(key)
        total = sum(
            (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d for i, d in enumerate(map(int, reversed(candidate)))
        )
        if total % 10 == 0:
            return candidate
    raise AssertionError


def _team(actor, counts) -> None:
    team = upsert(Team, {"code": INFO_SOCIALE_TEAM_CODE}, {"name": "Info sociale en ligne", "kind": Team.Kind.OTHER},
                  actor=actor, counts=counts, label="équipe Info sociale")  # fmt: skip
    admin = User.objects.filter(email=f"admin@{data.DEMO_EMAIL_DOMAIN}").first()
    if admin is not None and not Membership.objects.filter(user=admin, team=team, end_date__isnull=True).exists():
        membership_create(actor=actor, user=admin, team=team, role=Membership.Role.FUNCTIONAL_ADMIN,
                          start_date=datetime.date(2024, 1, 1))  # fmt: skip


def _place(rng, communes, weights):
    commune = rng.choices(communes, weights=weights)[0]
    jitter = 0.01 if (commune.population or 0) > 20_000 else 0.004
    lat = (commune.latitude or 48.11) + rng.uniform(-jitter, jitter)
    lon = (commune.longitude or -1.68) + rng.uniform(-jitter, jitter)
    return commune, round(lat, 6), round(lon, 6)


def _structures(rng, now, *, count: int) -> list[Structure]:
    communes = list(Commune.objects.only("code", "name", "postcodes", "population", "latitude", "longitude"))
    weights = [max(commune.population or 500, 500) ** 0.8 for commune in communes]
    kinds = [kind for kind in KINDS if kind != "ccas"]
    rows = []
    for index in range(count):
        if index < len(communes):  # every commune has its CCAS (or its mairie's social service)
            kind, commune = "ccas", communes[index]
            lat, lon = commune.latitude, commune.longitude
        else:
            kind = rng.choice(kinds)
            commune, lat, lon = _place(rng, communes, weights)
        pattern, reseaux, _services = KINDS[kind]
        nom = pattern.format(commune=commune.name, theme=rng.choice(THEMES))[:150]
        updated = now - datetime.timedelta(days=rng.choice([rng.randint(0, 330)] * 6 + [rng.randint(380, 900)]))
        rows.append(Structure(
            di_id=f"{PREFIX}{index + 1:05d}", nom=nom, siret=siret_for(index + 1), commune=commune,
            commune_nom=commune.name, code_postal=(commune.postcodes or [""])[0], code_insee=commune.code,
            adresse=f"{rng.randint(1, 40)} {rng.choice(STREETS)}", latitude=lat, longitude=lon,
            telephone=f"02 99 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            courriel=f"contact{index + 1}@structures.example.org", reseaux_porteurs=reseaux,
            description=f"{nom} : accueil, information et accompagnement des habitants.",
            horaires_accueil="Mo-Fr 09:00-12:00,14:00-17:00", updated_at=updated, date_maj=timezone.localdate(updated),
        ))  # fmt: skip
        rows[-1]._demo_kind = kind
    return rows


def _services(rng, structures) -> list[Service]:
    rows = []
    for structure in structures:
        catalogue = KINDS[structure._demo_kind][2]
        chosen = rng.sample(catalogue, k=min(len(catalogue), rng.choice([4, 4, 5])))
        for number, (nom, kind, thematiques, frais, publics) in enumerate(chosen, start=1):
            rows.append(Service(
                di_id=f"{structure.di_id}-s{number}", structure=structure, nom=nom, type=kind,
                description=f"{nom} proposé par {structure.nom}. Renseignez-vous par téléphone ou sur place.",
                thematiques=thematiques, frais=frais, publics=publics, modes_accueil=["en-presentiel"],
                zone_eligibilite=[structure.code_insee], commune=structure.commune, commune_nom=structure.commune_nom,
                code_postal=structure.code_postal, code_insee=structure.code_insee, adresse=structure.adresse,
                latitude=structure.latitude, longitude=structure.longitude, telephone=structure.telephone,
                mobilisable_par=["usagers", "professionnels"], modes_mobilisation=["telephoner", "se-presenter"],
                updated_at=structure.updated_at, date_maj=structure.date_maj,
            ))  # fmt: skip
    return rows


def seed(*, actor, counts, directory_size: int = STRUCTURES) -> None:
    """The Info sociale team, then 3,500 structures (``directory_size``) and their services unless they are
    already there; the suite seeds a small directory, ``make run`` and the bench the Département's volume."""
    _team(actor, counts)
    existing = Structure.objects.filter(di_id__startswith=PREFIX).count()
    if existing:
        counts.existing["structures de l'annuaire"] += existing
        counts.existing["services de l'annuaire"] += Service.objects.filter(di_id__startswith=PREFIX).count()
        return
    rng = random.Random(35)  # noqa: S311 -- reproducible demo data, not a secret
    structures = _structures(rng, timezone.now(), count=directory_size)
    bulk_create_with_history(structures, Structure, batch_size=1000, default_user=actor,
                             default_change_reason=CHANGE_REASON)  # fmt: skip
    services = _services(rng, structures)
    bulk_create_with_history(services, Service, batch_size=2000, default_user=actor,
                             default_change_reason=CHANGE_REASON)  # fmt: skip
    counts.created["structures de l'annuaire"] += len(structures)
    counts.created["services de l'annuaire"] += len(services)
