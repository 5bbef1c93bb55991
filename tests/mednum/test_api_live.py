"""The map's data as the outside world gets it: a live server and a real HTTP client (httpx)."""

from __future__ import annotations

import httpx
import pytest

from mednum.models import DispositifProgramme, Frais, Service
from tests.browser.conftest import FLUSHABLE_APPS
from tests.mednum.factories import LieuFactory

live = pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)


@live
def test_lieux_geojson_is_public_gzipped_cached_and_filtered(live_server):
    vitre = LieuFactory(
        nom="France Services de Vitré",
        commune_id="35360",
        code_postal="35500",
        latitude=48.1236,
        longitude=-1.2094,
        dispositif_programmes_nationaux=[DispositifProgramme.FRANCE_SERVICES],
        frais_a_charge=[Frais.GRATUIT],
    )
    LieuFactory(nom="Cyber-base payante", services=[Service.LOISIRS], frais_a_charge=[Frais.PAYANT])
    LieuFactory(nom="Lieu retiré", published=False)
    url = f"{live_server.url}/api/v1/lieux"
    with httpx.Client(timeout=30, headers={"Accept-Encoding": "gzip"}) as client:
        everything = client.get(url)
        assert everything.status_code == 200
        assert everything.headers["content-type"] == "application/geo+json"
        assert everything.headers["content-encoding"] == "gzip"
        body = everything.json()
        assert body["type"] == "FeatureCollection" and "Licence Ouverte" in body["licence"]
        names = sorted(f["properties"]["name"] for f in body["features"])
        assert names == ["Cyber-base payante", "France Services de Vitré"]  # the withdrawn place is not there
        feature = next(f for f in body["features"] if f["properties"]["id"] == vitre.identifier)
        assert feature["geometry"] == {"type": "Point", "coordinates": [-1.2094, 48.1236]}
        assert feature["properties"] == {
            "id": vitre.identifier,
            "name": "France Services de Vitré",
            "url": f"/lieux/{vitre.pk}/",
            "address": "1 place de la Mairie, 35500 Vitré",
            "kind": "France Services",
        }
        # The browser keeps it; asking again with its ETag costs no body.
        again = client.get(url, headers={"If-None-Match": everything.headers["etag"]})
        assert again.status_code == 304 and again.content == b""

        free = client.get(url, params={"frais": "gratuit", "services": "aide-aux-demarches-administratives"}).json()
        assert [f["properties"]["name"] for f in free["features"]] == ["France Services de Vitré"]
        in_vitre_epci = client.get(url, params={"territoire": "200039022"}).json()  # Vitré Communauté
        assert [f["properties"]["id"] for f in in_vitre_epci["features"]] == [vitre.identifier]
        near_rennes = client.get(url, params={"commune": "35238", "rayon": "10"}).json()
        assert [f["properties"]["name"] for f in near_rennes["features"]] == ["Cyber-base payante"]

        bad = client.get(url, params={"frais": "offert", "commune": "99999"})
        assert bad.status_code == 400
        assert bad.json()["errors"] == ["Frais inconnu : « offert ».", "Commune inconnue : « 99999 »."]

        # A new place shows at once (the cache key follows the table), in every server process.
        LieuFactory(nom="Médiathèque nouvelle")
        assert len(client.get(url).json()["features"]) == 3

        communes = client.get(f"{live_server.url}/api/v1/territoire/communes.geojson")
        assert communes.headers["content-encoding"] == "gzip"
        assert len(communes.json()["features"]) == 332
        epci = client.get(f"{live_server.url}/api/v1/territoire/epci.geojson").json()
        assert len(epci["features"]) == 18
        assert {f["geometry"]["type"] for f in epci["features"]} <= {"Polygon", "MultiPolygon"}
        # On the wire (gzip), the finest boundaries stay well under what a map page may download.
        assert communes.num_bytes_downloaded < 120_000 < len(communes.content)
    plain = httpx.get(url, timeout=30, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and len(plain.json()["features"]) == 3
