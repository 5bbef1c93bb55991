import pytest

from grc.models import Membership
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory, verify_otp


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DSU_DOCUMENTS_ROOT = tmp_path / "documents"


@pytest.fixture
def staff_user(db):
    """A social worker of one team."""
    return MembershipFactory().user


@pytest.fixture
def staff_client(client, staff_user):
    """A client logged in as ``staff_user`` with a verified second factor."""
    return verify_otp(client, staff_user)


@pytest.fixture
def citizen_user(db):
    return UserFactory(citizen_account=True)


# Two teams of different CDAS and their people, for the social-file rules (views, API, services).


@pytest.fixture
def team_a(db):
    return TeamFactory(name="PMI — CDAS Vitré")


@pytest.fixture
def team_b(db):
    return TeamFactory(name="Polyvalence — CDAS Redon")


@pytest.fixture
def worker_a(team_a):
    return MembershipFactory(team=team_a).user


@pytest.fixture
def colleague_a(team_a):
    return MembershipFactory(team=team_a).user


@pytest.fixture
def manager_a(team_a):
    return MembershipFactory(team=team_a, role=Membership.Role.TEAM_MANAGER).user


@pytest.fixture
def worker_b(team_b):
    """A social worker of another CDAS."""
    return MembershipFactory(team=team_b).user


@pytest.fixture
def citizen(db):
    return CitizenFactory()


@pytest.fixture
def followed(citizen, team_a, worker_a):
    """(file, accompaniment): a PMI accompaniment of team A, referent ``worker_a``."""
    return open_file(citizen=citizen, team=team_a, actor=worker_a, referent=worker_a)
