"""The annuaire's API as the outside world gets it: a live server, a real HTTP client (httpx), no login."""

from __future__ import annotations

import httpx
import pytest

from annuaire import schema, services
from tests.browser.conftest import FLUSHABLE_APPS
from tests.factories import UserFactory

from .factories import ServiceFactory, StructureFactory, commune, info_sociale_member

live = pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)


def _at(code: str, nom: str, thematiques: list[str], **extra):
    place = commune(code)
    structure = StructureFactory(nom=nom, commune=place, latitude=place.latitude, longitude=place.longitude)
    return ServiceFactory(structure=structure, nom=f"{nom} — service", thematiques=thematiques, **extra)


@live
def test_pages_search_by_distance_errors_and_cache(live_server):
    rennes = _at("35238", "Centre social Rennes", ["famille--garde-denfants"])
    cesson = _at("35051", "CCAS Cesson-Sévigné", ["famille--soutien-a-la-parentalite-et-a-leducation"], frais="payant")
    vitre = _at("35360", "CCAS Vitré", ["famille--garde-denfants"])
    _at("35238", "Point santé", ["sante--acces-aux-soins"])
    base = f"{live_server.url}/api/v1/annuaire"
    with httpx.Client(timeout=30) as client:
        page = client.get(f"{base}/services", params={"page": 2, "size": 3})
        assert page.status_code == 200 and page.headers["Cache-Control"].startswith("public")
        body = page.json()
        assert (body["total"], body["page"], body["size"], body["pages"], len(body["items"])) == (4, 2, 3, 2, 1)
        for item in client.get(f"{base}/services", params={"size": 10}).json()["items"]:
            schema.DiService.model_validate(item)
        for item in client.get(f"{base}/structures").json()["items"]:
            schema.DiStructure.model_validate(item)

        near = client.get(f"{base}/search/services", params={"code_commune": "35238", "rayon_km": 15,
                                                             "thematiques": "famille"}).json()  # fmt: skip
        assert [hit["service"]["id"] for hit in near["items"]] == [rennes.di_id, cesson.di_id]  # Vitré is 35 km
        assert near["items"][0]["distance"] < near["items"][1]["distance"] < 15
        wide = client.get(f"{base}/search/services", params=[("code_commune", "35238"), ("rayon_km", "50"),
                          ("thematiques", "famille--garde-denfants"), ("frais", "gratuit")]).json()  # fmt: skip
        assert [hit["service"]["id"] for hit in wide["items"]] == [rennes.di_id, vitre.di_id]

        for params, message in [
            ({"code_commune": "99999"}, "Commune inconnue"),
            ({"thematiques": "logement--inexistant"}, "Valeurs inconnues"),
        ]:
            refused = client.get(f"{base}/search/services", params=params)
            assert refused.status_code == 422 and message in refused.json()["detail"][0]["msg"]
        assert client.get(f"{base}/services", params={"size": 5000}).status_code == 422

        # A published change is served at once, not the cached answer.
        representative = UserFactory(citizen_account=True)
        claim = services.structure_claim(user=representative, structure=vitre.structure, siret=vitre.structure.siret)
        moderator = info_sociale_member()
        services.representative_validate(user=moderator, representative=claim)
        change = services.change_propose(user=representative, target=vitre, data={"nom": "Garde d'enfants Vitré"})
        services.change_publish(user=moderator, change=change)
        again = client.get(f"{base}/search/services", params=[("code_commune", "35238"), ("rayon_km", "50"),
                           ("thematiques", "famille--garde-denfants"), ("frais", "gratuit")]).json()  # fmt: skip
        assert again["items"][1]["service"]["nom"] == "Garde d'enfants Vitré"
