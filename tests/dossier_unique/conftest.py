import pytest

from grc.models import Membership
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory


@pytest.fixture(autouse=True)
def _documents_root(settings, tmp_path):
    settings.DSU_DOCUMENTS_ROOT = tmp_path / "private-documents"


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
