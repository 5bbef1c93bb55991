import pytest

from grc.models import Membership, Team
from tests.factories import MembershipFactory, TeamFactory, verify_otp


@pytest.fixture
def dpo(db):
    team = TeamFactory(name="Protection des données", kind=Team.Kind.DPO)
    return MembershipFactory(team=team, role=Membership.Role.DPO).user


@pytest.fixture
def dpo_client(client, dpo):
    return verify_otp(client, dpo)
