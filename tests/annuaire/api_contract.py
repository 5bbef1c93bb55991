"""The annuaire operations' part of the API contract walk (tests/api_http/test_contract.py): public open data,
answered the same to a token, a staff session and the anonymous."""

from __future__ import annotations

from tests.annuaire.factories import ServiceFactory, StructureFactory, commune

OPERATIONS = {
    ("GET", "/annuaire/structures"),
    ("GET", "/annuaire/services"),
    ("GET", "/annuaire/search/services"),
}


def walk_annuaire(call, world) -> None:
    """A structure of Vitré and its service: listed, and found from Vitré by thématique."""
    vitre = commune("35360")
    structure = StructureFactory(
        nom="CCAS de Vitré", commune=vitre, latitude=vitre.latitude, longitude=vitre.longitude
    )
    service = ServiceFactory(structure=structure, thematiques=["famille--garde-denfants"])
    structures = call("GET", "/annuaire/structures", 200, params={"size": 1000}).json()
    assert structure.di_id in {item["id"] for item in structures["items"]}
    services = call("GET", "/annuaire/services", 200, params={"size": 1000}).json()
    assert service.di_id in {item["id"] for item in services["items"]}
    found = call(
        "GET", "/annuaire/search/services", 200, params={"code_commune": "35360", "thematiques": "famille"}
    ).json()
    assert found["items"][0]["service"]["id"] == service.di_id
