"""Demo data of issue 17: the eight pilot CDAS, the 14 networks over the 18 EPCI, a year of sessions."""

import pytest
from django.db.models import Count

from accueil.models import HelpSession
from demo import accounts
from demo.organisation import NUMERIQUE_PILOTS, seed_organisation
from demo.records import Counts
from demo.seeders import accueil as accueil_seeder
from grc.models import Epci, InclusionNetwork, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    actor = accounts.system_account()
    seed_organisation(actor=actor, counts=Counts())
    return actor


def test_pilots_and_networks(organisation):
    pilots = set(Site.objects.filter(is_numerique_pilot=True).values_list("name", flat=True))
    assert pilots == set(NUMERIQUE_PILOTS) and len(pilots) == 8
    assert InclusionNetwork.objects.count() == 14
    # Every EPCI of the Département is covered by exactly one network.
    covered = Epci.objects.annotate(n=Count("inclusion_networks"))
    assert covered.count() == 18
    assert set(covered.values_list("n", flat=True)) == {1}
    # The networks' changes are kept in history (with the EPCI they cover).
    network = InclusionNetwork.objects.get(code="rlin-rennes")
    assert network.history.exists()


def test_sessions_seeded_once_per_pilot(organisation):
    counts = Counts()
    accueil_seeder.seed(actor=organisation, counts=counts)
    per_site = dict(HelpSession.objects.values_list("site__name").annotate(n=Count("pk")))
    assert set(per_site) == set(NUMERIQUE_PILOTS)
    assert all(n >= accueil_seeder.PER_SITE for n in per_site.values())
    total = HelpSession.objects.count()
    assert counts.created["séances d'aide numérique"] == total
    # Substitutions carry the consent; most sessions know the commune.
    assert not HelpSession.objects.filter(level="substitution", consent_recorded_at=None).exists()
    assert HelpSession.objects.exclude(commune=None).count() > 0.85 * total

    again = Counts()
    accueil_seeder.seed(actor=organisation, counts=again)
    seed_organisation(actor=organisation, counts=again)
    assert HelpSession.objects.count() == total
    assert again.created["séances d'aide numérique"] == 0
    assert InclusionNetwork.objects.count() == 14
