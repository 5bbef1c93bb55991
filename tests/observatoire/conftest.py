import pytest
from django.core.cache import cache

from grc.models import Commune, Epci, Membership, Team
from observatoire.refresh import refresh
from tests.browser.conftest import browser  # noqa: F401  (the fixture, for test_live)
from tests.factories import MembershipFactory, SiteFactory, TeamFactory, verify_otp

from .factories import RENNES, SAINT_MALO, VITRE, citizen_in, in_month, request_row

COMMUNES = [
    (RENNES, "Rennes", 216815, "243500139", "Rennes Métropole", "ME", (-1.68, 48.11)),
    (SAINT_MALO, "Saint-Malo", 46097, "243500782", "Saint-Malo Agglomération", "CA", (-2.0, 48.65)),
    (VITRE, "Vitré", 18037, "200039022", "Vitré Communauté", "CA", (-1.2, 48.12)),
]


def _square(lon, lat, half=0.05):
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@pytest.fixture(autouse=True)
def territory(request):
    """The three communes the tests use (loaded by a grc migration, but a transactional test elsewhere may have
    flushed them from a reused database), and empty caches of the territory and the map."""
    cache.clear()
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        marker = request.node.get_closest_marker("django_db")
        if marker is None:
            yield
            return
    request.getfixturevalue("transactional_db" if _transactional(request) else "db")
    for code, name, population, epci_code, epci_name, kind, (lon, lat) in COMMUNES:
        epci, _created = Epci.objects.get_or_create(code=epci_code, defaults={"name": epci_name, "kind": kind})
        defaults = {
            "name": name,
            "population": population,
            "epci": epci,
            "postcodes": [],
            "boundary": _square(lon, lat),
        }
        Commune.objects.get_or_create(code=code, defaults=defaults)
    yield
    cache.clear()


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.fixture
def manager(db):
    return MembershipFactory(role=Membership.Role.TEAM_MANAGER).user


@pytest.fixture
def manager_client(client, manager):
    return verify_otp(client, manager)


@pytest.fixture
def filed(db):
    """Requests of this month, hand-counted: Rennes 12 web, Vitré 7 web, Saint-Malo 3 at the counter (a secret
    cell: the channel line must hide web too, else 22 − 19 gives it), then the refresh."""
    team = TeamFactory(site=SiteFactory(), kind=Team.Kind.RSA)
    for insee, n, channel in ((RENNES, 12, "web"), (VITRE, 7, "web"), (SAINT_MALO, 3, "counter")):
        for _ in range(n):
            request_row(team=team, citizen=citizen_in(insee), channel=channel, submitted=in_month(0))
    refresh()
    return team
