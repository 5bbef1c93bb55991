"""The lieux operations' part of the API contract walk (tests/api_http/test_contract.py): public open data,
answered the same to a token, a staff session and the anonymous."""

from __future__ import annotations

from tests.mednum.factories import LieuFactory

OPERATIONS = {
    ("GET", "/lieux"),
    ("GET", "/territoire/communes.geojson"),
    ("GET", "/territoire/epci.geojson"),
}


def walk_open_data(call, world) -> None:
    """The open data: the observatory's indicators, a published place of Vitré found by its commune, the
    boundaries of the communes and EPCI."""
    indicators = call("GET", "/opendata/indicators", 200).json()
    assert "Licence Ouverte" in indicators["licence"]
    lieu = LieuFactory(nom="France Services de Vitré", commune_id="35360", code_postal="35500")
    found = call("GET", "/lieux", 200, params={"commune": "35360"}).json()
    assert [f["properties"]["id"] for f in found["features"]] == [lieu.identifier]
    communes = call("GET", "/territoire/communes.geojson", 200).json()
    assert len(communes["features"]) == 332
    epci = call("GET", "/territoire/epci.geojson", 200).json()
    assert {f["properties"]["code"] for f in epci["features"]} >= {"243500139"}  # Rennes Métropole
