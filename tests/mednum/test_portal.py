"""The portal's lieux pages through Django's client: filters, place page, embeddable page, bad input."""

import datetime

import pytest
from django.test import override_settings

from mednum.models import Frais, PublicAdresse, Service
from tests.mednum.factories import LieuFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    return {
        "rennes": LieuFactory(
            nom="Médiathèque des Champs Libres", publics_specifiquement_adresses=[PublicAdresse.SENIORS]
        ),
        "cesson": LieuFactory(
            nom="Atelier de Cesson",
            commune_id="35051",
            code_postal="35510",
            latitude=48.1213,
            longitude=-1.6031,
            services=[Service.LOISIRS],
            frais_a_charge=[Frais.PAYANT],
        ),
        "malo": LieuFactory(
            nom="France Services de Saint-Malo",
            commune_id="35288",
            code_postal="35400",
            latitude=48.6493,
            longitude=-2.0257,
        ),
        "closed": LieuFactory(nom="Lieu fermé", published=False),
    }


def _names(response):
    return [row["lieu"].nom for row in response.context["results"]]


def test_list_filters_by_service_fee_public_and_distance(client, places, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # the page: communes for the form, the places with their commune
        everything = client.get("/lieux/")
    assert everything.status_code == 200
    assert sorted(_names(everything)) == [
        "Atelier de Cesson",
        "France Services de Saint-Malo",
        "Médiathèque des Champs Libres",
    ]
    html = everything.content.decode()
    assert (
        'data-geojson-url="/api/v1/lieux"' in html and 'data-boundaries-url="/api/v1/territoire/epci.geojson"' in html
    )
    assert "vendor/leaflet/leaflet" in html and "js/map.js" in html
    assert everything.headers["X-Frame-Options"] == "DENY"

    payant = client.get("/lieux/", {"frais": "payant"})
    assert _names(payant) == ["Atelier de Cesson"]
    seniors = client.get("/lieux/", {"publics": "seniors", "services": "Aide aux démarches administratives"})
    assert _names(seniors) == ["Médiathèque des Champs Libres"]
    near = client.get("/lieux/", {"commune": "35238", "rayon": "10"})
    assert _names(near) == ["Médiathèque des Champs Libres", "Atelier de Cesson"]  # nearest first
    assert near.context["results"][1]["distance"] == pytest.approx(5.5, abs=1)
    assert 'data-geojson-url="/api/v1/lieux?commune=35238&amp;rayon=10"' in near.content.decode()


def test_bad_filters_are_said_in_french_without_a_500(client, places):
    response = client.get("/lieux/", {"services": "Magie", "rayon": "loin", "commune": "35238"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Service inconnu : « Magie »." in html and "Rayon illisible" in html
    assert client.get("/lieux/", {"territoire": "x" * 5000}).status_code == 400
    assert client.get("/lieux/", {"page": "-1"}).status_code == 200


def test_place_page_says_its_opening_hours_in_french_and_withdrawn_places_are_404(client, places, monkeypatch):
    monday_10h = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)  # 10:00 in Rennes
    monkeypatch.setattr("mednum.horaires.timezone.now", lambda: monday_10h)
    response = client.get(f"/lieux/{places['rennes'].pk}/")
    html = response.content.decode()
    assert "Ouvert maintenant, jusqu&#x27;à 12 h." in html
    assert "Lundi 7 décembre (aujourd'hui)" in html and "9 h – 12 h, 14 h – 17 h 30" in html
    assert "Dimanche 13 décembre</th><td>Fermé" in html
    assert client.get(f"/lieux/{places['closed'].pk}/").status_code == 404
    assert client.get("/lieux/999999999/").status_code == 404


@override_settings(EMBED_FRAME_ANCESTORS=["https://www.partenaire.example"])
def test_only_the_embeddable_page_may_be_framed_and_only_by_the_configured_sites(client, places):
    embed = client.get("/lieux/integrer/", {"territoire": "35288", "frais": "gratuit"})
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors https://www.partenaire.example" in embed.headers["Content-Security-Policy"]
    assert [row["lieu"].nom for row in embed.context["results"]] == ["France Services de Saint-Malo"]
    assert 'target="_top"' in embed.content.decode()
    detail = client.get(f"/lieux/{places['rennes'].pk}/")
    assert detail.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in detail.headers["Content-Security-Policy"]


@override_settings(MAP_TILE_URL="https://tuiles.example.org/{z}/{x}/{y}.png")
def test_a_configured_tile_server_is_drawn_and_allowed_by_the_csp(client, places):
    response = client.get("/lieux/")
    assert 'data-tile-url="https://tuiles.example.org/{z}/{x}/{y}.png"' in response.content.decode()
    assert (
        "https://tuiles.example.org" in response.headers["Content-Security-Policy"].split("img-src")[1].split(";")[0]
    )


def test_csv_download_is_the_standard(client, places):
    response = client.get("/lieux/lieux-mediation-numerique.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,pivot,nom,adresse") and len(lines) == 4  # header + 3 published places
