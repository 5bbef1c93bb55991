import pytest

from tests.factories import MembershipFactory, UserFactory, verify_otp


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
