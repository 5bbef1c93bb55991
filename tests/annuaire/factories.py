"""Factories of the annuaire (structures, services, the Info sociale team and its members)."""

import datetime

import factory

from annuaire.models import Service, Structure
from annuaire.perms import INFO_SOCIALE_TEAM_CODE
from grc.models import Commune, Team
from tests.factories import MembershipFactory, TeamFactory

# Real SIRETs shape (Luhn-valid): the Département's own and two made-up establishments.
SIRETS = ["22350001800013", "12345678200010", "73282932000074"]


def commune(code: str = "35238") -> Commune:
    """A commune of the reference (loaded by migration): Rennes by default."""
    return Commune.objects.get(code=code)


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    di_id = factory.Sequence(lambda n: f"cd35--structure-test-{n}")
    nom = factory.Sequence(lambda n: f"Centre social de test {n}")
    description = "Accueil, écoute et accompagnement des habitants du quartier."
    siret = "22350001800013"
    commune = factory.LazyFunction(commune)
    code_postal = "35000"
    adresse = "1 avenue de la Préfecture"
    latitude = 48.1113
    longitude = -1.6800
    courriel = "contact@centre-social.example.org"
    date_maj = datetime.date(2026, 1, 15)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    di_id = factory.Sequence(lambda n: f"cd35--service-test-{n}")
    structure = factory.SubFactory(StructureFactory)
    nom = factory.Sequence(lambda n: f"Aide aux démarches {n}")
    description = "Un accompagnement individuel pour vos démarches administratives en ligne."
    type = "accompagnement"
    thematiques = factory.LazyFunction(lambda: ["numerique--acceder-a-des-services-en-ligne"])
    frais = "gratuit"
    publics = factory.LazyFunction(lambda: ["tous-publics"])
    modes_accueil = factory.LazyFunction(lambda: ["en-presentiel"])
    commune = factory.SelfAttribute("structure.commune")
    latitude = factory.SelfAttribute("structure.latitude")
    longitude = factory.SelfAttribute("structure.longitude")
    date_maj = datetime.date(2026, 1, 15)


def info_sociale_member():
    """An agent of the Info sociale team (created on first use)."""
    team = Team.objects.filter(code=INFO_SOCIALE_TEAM_CODE).first() or TeamFactory(
        name="Info sociale en ligne", code=INFO_SOCIALE_TEAM_CODE, kind=Team.Kind.OTHER
    )
    return MembershipFactory(team=team).user
