"""The demo seeder: three consenting people followed in a CDAS (RSA, family, elderly), their possible
non-recours computed in one run, and a second run that adds nothing."""

import pytest

from demo.records import Counts
from demo.seeders import droits as demo_droits
from dossier_unique.models import Programme
from droits.models import EstimateConsent, NonRecours, RecordedSituation
from tests.dossier_unique.factories import open_file
from tests.droits.world import a_team, agent_of
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_three_situations_and_their_non_recours_once():
    team = a_team()
    agent = agent_of(team)
    for programme in (Programme.PMI, Programme.ASE, Programme.APA):
        open_file(citizen=CitizenFactory(), team=team, actor=agent, programme=programme)
    counts = Counts()
    demo_droits.seed(actor=agent, counts=counts)
    assert RecordedSituation.objects.count() == 3 and EstimateConsent.objects.filter(withdrawn_at=None).count() == 3
    benefits = set(NonRecours.objects.values_list("benefit", flat=True))
    assert {"rsa", "allocations_familiales", "aspa"} <= benefits
    rows = NonRecours.objects.count()
    demo_droits.seed(actor=agent, counts=counts)
    assert RecordedSituation.objects.count() == 3 and NonRecours.objects.count() == rows
    assert counts.existing["situations enregistrées (droits)"] == 3
