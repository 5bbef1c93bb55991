"""Factories for the lieux de médiation numérique (communes come with the grc migrations)."""

import factory

from grc.models import Commune
from mednum.models import Frais, Lieu, Service


class LieuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lieu

    nom = factory.Sequence(lambda n: f"Espace numérique {n}")
    adresse = "1 place de la Mairie"
    code_postal = "35000"
    commune = factory.LazyFunction(lambda: Commune.objects.get(code="35238"))  # Rennes
    latitude = 48.1113
    longitude = -1.6800
    horaires = "Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00"
    services = factory.LazyFunction(lambda: [Service.DEMARCHES])
    frais_a_charge = factory.LazyFunction(lambda: [Frais.GRATUIT])
