"""The annuaire on the portal: search (list, map data, embed), structure and service pages, downloads, and a
representative's claim and proposal from their account."""

import html
import json

import pytest
from django.urls import reverse

from annuaire import dataformat, schema, selectors, services
from annuaire.models import PendingChange, Representative

from .factories import ServiceFactory, StructureFactory, commune, info_sociale_member

pytestmark = pytest.mark.django_db


def _world():
    rennes, vitre = commune("35238"), commune("35360")
    near = ServiceFactory(
        structure=StructureFactory(nom="Épicerie solidaire de Rennes", latitude=rennes.latitude,
                                   longitude=rennes.longitude),
        nom="Colis alimentaires",
        thematiques=["equipement-et-alimentation--alimentation"],
    )  # fmt: skip
    far = ServiceFactory(
        structure=StructureFactory(nom="Resto du cœur de Vitré", commune=vitre, latitude=vitre.latitude,
                                   longitude=vitre.longitude),
        nom="Repas chauds",
        thematiques=["equipement-et-alimentation--alimentation"],
    )  # fmt: skip
    ServiceFactory(nom="Permanence santé", thematiques=["sante--acces-aux-soins"])
    return near, far


def test_search_lists_nearest_first_with_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    near, far = _world()
    url = reverse("annuaire:search")
    params = {"thematiques": "equipement-et-alimentation", "commune": "35238", "rayon": "40"}
    with django_assert_max_num_queries(12):
        response = client.get(url, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Colis alimentaires") < page.index("Repas chauds")
    assert "Permanence santé" not in page
    assert 'data-geojson-url="/annuaire/carte.geojson?' in page  # the map of the same results
    narrow = client.get(url, {**params, "rayon": "10"}).content.decode()
    assert "Colis alimentaires" in narrow and "Repas chauds" not in narrow

    geo = client.get(reverse("annuaire:geojson"), params).json()
    assert {f["properties"]["name"] for f in geo["features"]} == {near.structure.nom, far.structure.nom}

    bad = client.get(url, {"thematiques": "pas-une-thematique"})
    assert bad.status_code == 400 and "Certains critères de recherche sont invalides" in bad.content.decode()


def test_a_search_is_one_query_with_everything_its_results_show(django_assert_num_queries):
    near, far = _world()
    rennes = commune("35238")
    with django_assert_num_queries(1):  # the list, the orientation screen and the API's v1 items read no more
        hits = selectors.services_search(thematiques=["equipement-et-alimentation"], origin=rennes, radius_km=40)
        shown = [(h.service.structure.nom, h.service.structure.adresse, h.service.commune.name) for h in hits]
        items = [dataformat.service_to_di(h.service) for h in hits]
    assert [name for name, _a, _c in shown] == [near.structure.nom, far.structure.nom]
    assert all(schema.DiService.model_validate(item) for item in items)


def test_embed_is_framable_with_its_filters_and_the_site_is_not(client):
    _world()
    criteria = {"services": "equipement-et-alimentation", "territoire": "243500139"}
    embed = client.get(reverse("annuaire:embed"), criteria)
    assert embed.status_code == 200 and "X-Frame-Options" not in embed.headers
    assert "Colis alimentaires" in embed.content.decode()  # Rennes is in Rennes Métropole
    assert "Repas chauds" not in embed.content.decode()
    assert client.get(reverse("annuaire:search"))["X-Frame-Options"] == "DENY"


def test_pages_and_downloads(client):
    near, _far = _world()
    structure = client.get(reverse("annuaire:structure", args=[near.structure.pk])).content.decode()
    assert near.structure.nom in structure and "Colis alimentaires" in structure
    service = client.get(reverse("annuaire:service", args=[near.pk])).content.decode()
    assert "Alimentation" in service
    assert client.get(reverse("annuaire:structure", args=[999999])).status_code == 404
    body = b"".join(client.get(reverse("annuaire:download", args=["services", "json"])).streaming_content)
    items = json.loads(body)
    assert len(items) == 3 and all(schema.DiService.model_validate(item) for item in items)
    assert client.get("/annuaire/telecharger/citoyens.json").status_code == 404


def test_representative_claims_then_proposes_a_change(client, citizen_user):
    structure = StructureFactory(siret="12345678200010")
    client.force_login(citizen_user)
    edit_url = reverse("annuaire:structure_edit", args=[structure.pk])
    assert client.get(edit_url).status_code == 404  # not a representative yet
    refused = client.post(reverse("annuaire:claim", args=[structure.pk]), {"siret": "12345678200011"})
    assert "SIRET invalide" in refused.content.decode()
    client.post(reverse("annuaire:claim", args=[structure.pk]), {"siret": "12345678200010", "message": "Directrice"})
    claim = Representative.objects.get(user=citizen_user)
    services.representative_validate(user=info_sociale_member(), representative=claim)

    form = client.get(edit_url)
    assert form.status_code == 200
    bad = client.post(edit_url, {"nom": structure.nom, "siret": structure.siret, "horaires_accueil": "lundi"})
    assert bad.status_code == 200 and "horaires illisibles" in bad.content.decode()
    assert not PendingChange.objects.exists()
    client.post(edit_url, {"nom": structure.nom, "description": structure.description, "telephone": "02 99 12 34 56",
                           "courriel": structure.courriel, "adresse": structure.adresse, "siret": structure.siret,
                           "code_postal": structure.code_postal})  # fmt: skip
    change = PendingChange.objects.get()
    assert change.data == {"telephone": "02 99 12 34 56"} and change.author == citizen_user
    mine = client.get(reverse("annuaire:mine")).content.decode()
    assert "En attente" in mine and structure.nom in mine

    # The representative steps down from the portal: the page says so and the structure is no longer theirs.
    assert "Ne plus représenter cette structure" in mine
    assert client.get(reverse("annuaire:withdraw", args=[claim.pk])).status_code == 405
    withdrawn = client.post(reverse("annuaire:withdraw", args=[claim.pk]), follow=True).content.decode()
    assert f"Vous ne représentez plus « {structure.nom} »" in html.unescape(withdrawn)
    assert client.get(edit_url).status_code == 404
    claim.refresh_from_db()
    assert claim.status == Representative.Status.WITHDRAWN
