"""The map's data (``GET /api/v1/lieux``) built from the feature each place keeps: it follows every change of a
place at once (a publication, a withdrawal), covers rows bulk-created without it, and costs a bounded number of
queries whatever the number of places."""

import json
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.http import QueryDict

from annuaire import services as annuaire_services
from mednum.filters import parse_filters
from mednum.geo import lieux_geojson
from mednum.models import DispositifProgramme, Lieu
from mednum.services import lieu_restore, lieu_withdraw
from tests.annuaire.factories import info_sociale_member

from .factories import LieuFactory

pytestmark = pytest.mark.django_db


def _names(**query) -> list[str]:
    body = json.loads(lieux_geojson(filters=parse_filters(QueryDict(urlencode(query)))).body)
    assert body["type"] == "FeatureCollection" and body["licence"] == "Licence Ouverte 2.0"
    return [feature["properties"]["name"] for feature in body["features"]]


def test_the_map_follows_each_change_of_a_place_at_once(django_assert_max_num_queries):
    cache.clear()
    lieu = LieuFactory(nom="Médiathèque des Champs Libres")
    LieuFactory(nom="Espace social Carrefour 18")
    assert _names() == ["Espace social Carrefour 18", "Médiathèque des Champs Libres"]
    member = info_sociale_member()
    lieu_withdraw(user=member, lieu=lieu, reason="Fermé pour travaux")  # no new date_maj, still a new map
    assert _names() == ["Espace social Carrefour 18"]
    lieu_restore(user=member, lieu=lieu)
    change = annuaire_services.change_propose(user=member, target=lieu, data={"nom": "Les Champs Libres"})
    annuaire_services.change_publish(user=member, change=change)
    assert _names() == ["Espace social Carrefour 18", "Les Champs Libres"]
    # The stored feature is the place as it is now, programme and address included.
    lieu.refresh_from_db()
    assert json.loads(lieu.feature_json) == lieu.feature()
    with django_assert_max_num_queries(4):  # the version, the fill check, the features; then the version only
        cache.clear()
        _names()
        _names()


def test_rows_bulk_created_without_their_feature_are_filled_and_sorted_by_distance():
    cache.clear()
    near = LieuFactory(nom="Près de Rennes", dispositif_programmes_nationaux=[DispositifProgramme.FRANCE_SERVICES])
    Lieu.objects.bulk_create(
        [Lieu(nom="Vitré (sans coordonnées)", adresse="1 rue", code_postal="35500", commune_id="35360",
              services=["Aide aux démarches administratives"])]
    )  # fmt: skip
    assert Lieu.objects.get(nom__startswith="Vitré").feature_json == ""
    assert _names(commune="35238", rayon="40") == ["Près de Rennes", "Vitré (sans coordonnées)"]
    vitre = Lieu.objects.get(nom__startswith="Vitré")
    feature = json.loads(vitre.feature_json)
    assert feature["properties"]["address"] == "1 rue, 35500 Vitré" and feature["properties"]["url"] == (
        f"/lieux/{vitre.pk}/"
    )
    assert vitre.history.count() == 0  # a derived column: no history row for the fill
    assert json.loads(Lieu.objects.get(pk=near.pk).feature_json)["properties"]["kind"] == "France Services"
    assert _names(commune="35238", rayon="5") == ["Près de Rennes"]
