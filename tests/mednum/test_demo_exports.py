"""The 450 demo places, and the open-data exports checked on them (CSV of the standard, data·inclusion v1)."""

import csv
import datetime
import io

import pytest
from data_inclusion.schema import v1 as di
from django.utils import timezone

from demo.records import Counts
from demo.seeders import lieux as lieux_seeder
from grc.models import Commune
from mednum.exports import CSV_COLUMNS, lieux_csv_lines, lieux_to_di
from mednum.models import Lieu
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_lieux():
    actor = UserFactory()
    counts = Counts()
    lieux_seeder.seed(actor=actor, counts=counts)
    return counts


def test_demo_has_450_places_over_the_real_territory_and_runs_once(demo_lieux, django_assert_max_num_queries):
    assert demo_lieux.created[lieux_seeder.LABEL] == 450
    lieux = list(Lieu.objects.select_related("commune"))
    assert len(lieux) == 450
    assert len({lieu.commune_id for lieu in lieux}) >= 120
    assert {lieu.commune.epci_id for lieu in lieux} == set(Commune.objects.values_list("epci_id", flat=True))
    assert sum("France Services" in lieu.dispositif_programmes_nationaux for lieu in lieux) >= 18
    year_ago = timezone.now() - datetime.timedelta(days=365)
    assert 20 <= sum(lieu.updated_at < year_ago for lieu in lieux) <= 80  # some for the staleness reminders
    for lieu in lieux[::15]:
        lieu.full_clean()  # the standard's enumerations, OSM opening hours, SIRET/RNA shape
    again = Counts()
    with django_assert_max_num_queries(12):  # a second run only looks
        lieux_seeder.seed(actor=UserFactory(), counts=again)
    assert (again.created[lieux_seeder.LABEL], again.existing[lieux_seeder.LABEL]) == (0, 450)


def test_exports_are_valid_for_the_standard_and_for_data_inclusion(demo_lieux, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        text = "".join(lieux_csv_lines())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == CSV_COLUMNS and len(rows) == 450
    first = Lieu.objects.get(identifier=rows[0]["id"])
    assert rows[0]["code_insee"] == first.commune_id and rows[0]["date_maj"] == first.updated_on.isoformat()
    assert rows[0]["services"].split("|") == first.services

    exported = lieux_to_di()
    assert len(exported["structures"]) == 450
    assert len(exported["services"]) == sum(len(lieu.services) for lieu in Lieu.objects.all())
    # Re-read by the official models: 100 % valid, ids stable and tied to their structure.
    structures = [di.Structure.model_validate(s) for s in exported["structures"]]
    services = [di.Service.model_validate(s) for s in exported["services"]]
    assert {s.structure_id for s in services} <= {s.id for s in structures}
    assert all(s.id.startswith("cd35--lieu-demo-") for s in structures)
    france_services = next(s for s in structures if s.nom.startswith("France Services"))
    assert di.ReseauPorteur.FRANCE_SERVICE in france_services.reseaux_porteurs
