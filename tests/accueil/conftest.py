import pytest

from grc.models import Commune, Membership, Site
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory, SiteFactory, TeamFactory


@pytest.fixture
def cdas(db):
    """A pilot CDAS whose sector holds Vitré (35360)."""
    site = SiteFactory(name="CDAS Vitré (test)", is_numerique_pilot=True)
    Commune.objects.filter(code="35360").update(cdas=site)
    return site


@pytest.fixture
def other_cdas(db):
    return SiteFactory(name="CDAS Fougères (test)")


@pytest.fixture
def agent(cdas):
    """A social worker of the pilot CDAS's polyvalence team."""
    return MembershipFactory(team=TeamFactory(site=cdas), role=Membership.Role.SOCIAL_WORKER).user


@pytest.fixture
def colleague(cdas):
    """An instructor of another team of the same CDAS."""
    return MembershipFactory(team=TeamFactory(site=cdas), role=Membership.Role.INSTRUCTOR).user


@pytest.fixture
def outsider(other_cdas):
    """A social worker of another CDAS."""
    return MembershipFactory(team=TeamFactory(site=other_cdas), role=Membership.Role.SOCIAL_WORKER).user


@pytest.fixture
def mailroom_agent(db):
    site = SiteFactory(name="Service courrier (test)", kind=Site.Kind.MAILROOM)
    return MembershipFactory(team=TeamFactory(site=site), role=Membership.Role.MAILROOM_AGENT).user


@pytest.fixture
def functional_admin(db):
    site = SiteFactory(name="Hôtel du Département (test)", kind=Site.Kind.HEADQUARTERS)
    return MembershipFactory(team=TeamFactory(site=site), role=Membership.Role.FUNCTIONAL_ADMIN).user


@pytest.fixture
def person(db):
    """A citizen living in Vitré."""
    citizen = CitizenFactory(birth_name="Lemoine", first_names="Josiane")
    AddressFactory(citizen=citizen, postcode="35500", city="Vitré", insee_code="35360")
    return citizen
