import contextlib
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from pytest_django.plugin import blocking_manager_key
from wagtail.models import Collection, Locale, Page

from grc import dbroles
from grc.models import Membership
from grc.services.territory import territory_ensure
from tests import db_template
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory, verify_otp

# The test database is created and migrated as the database OWNER; every test then runs as the
# RUNTIME role, the one the application uses (DML only): the suite proves the application works with
# those privileges. Subprocesses (worker, live server) read the settings again: runtime too.


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    return bool(marked) or "transactional_db" in item.fixturenames or "live_server" in item.fixturenames


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush, the rows data migrations wrote are put back: the territory
    reference and Wagtail's root page, root collection and locale.

    Django's flush runs ``post_migrate`` (which reloads the territory) only when ``available_apps`` is unset;
    the live-server tests set it, and the tests after them on the same worker would otherwise see no commune
    and no page tree (the demo cannot be seeded without a root page).
    """
    result = yield
    # Not after the worker's last test: its teardown has also torn down the session's test database (the
    # connection points back at the development database then), and no test is left to need the rows.
    if _transactional(item) and nextitem is not None:
        with item.config.stash[blocking_manager_key].unblock():
            territory_ensure()
            Locale.objects.get_or_create(language_code="fr")
            # The flush emptied django_content_type too: the cached ids are gone (the next test's set-up
            # recreates them; get_for_model below recreates the page's own first).
            ContentType.objects.clear_cache()
            if Page.get_first_root_node() is None:
                Page.add_root(instance=Page(title="Root", slug="root", live=True))
            if Collection.get_first_root_node() is None:
                Collection.add_root(name="Root")
    return result


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request, django_db_blocker):
    from django.db import connections

    owner = dbroles.owner_settings()
    if owner:
        dbroles.use_credentials(connections["default"], owner)
    # Each test database is a copy of one migrated template (tests/db_template.py): minutes saved per worker.
    with django_db_blocker.unblock():
        db_template.prepare(request.config, verbosity=request.config.option.verbose)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connections

    if not dbroles.has_separate_owner():
        yield
        return
    # Tests write past-dated access-log rows (alerts over 30 days, night-time reads) in their own
    # transaction: the owner's dated-write function is granted to the runtime role in the TEST database
    # only (a deployment never grants it; tests/audit/test_integrity.py checks the grants).
    runtime = dbroles.quote_ident(dbroles.runtime_settings()["USER"])
    with django_db_blocker.unblock(), connections["default"].cursor() as cursor:
        cursor.execute(f"GRANT EXECUTE ON FUNCTION {dbroles.DATED_WRITE_FUNCTION} TO {runtime}")
    dbroles.use_credentials(connections["default"], dbroles.runtime_settings())
    yield
    # The owner drops the test database; nothing else may still be connected to it.
    connections["owner"].close()
    dbroles.use_credentials(connections["default"], dbroles.owner_settings())


@pytest.fixture
def owner_db():
    """The ``owner`` alias (same test database, the owner's credentials) in a transaction rolled back
    after the test. For tests that play someone with the owner's rights (switching triggers off).

    Needs ``@pytest.mark.django_db(databases=["default", "owner"])``. The owner's connection does
    not see the rows the test wrote through ``default`` (another, uncommitted transaction), and its
    ALTER TABLE waits for that transaction's locks: never use both on the same table in one test.
    """
    from django.db import connections, transaction

    with transaction.atomic(using="owner"):
        yield connections["owner"]
        transaction.set_rollback(True, using="owner")


@contextlib.contextmanager
def seeded_demo(django_db_blocker, tmp_path_factory, name, **options):
    """The demo as ``make run`` loads it (``seed_demo``, 40 demo citizens unless ``options`` say otherwise), for
    a module-scoped fixture: seeded once in a transaction rolled back at the end, its documents in the module's
    own directories (the module overrides ``_media_root`` with a no-op so the per-test ones do not hide them).
    Yields what ``seed_demo`` printed."""
    from django.core.management import call_command
    from django.db import transaction
    from django.test import TestCase, override_settings

    root = tmp_path_factory.mktemp(name)
    out = io.StringIO()
    options = {"demo_citizens": 40, "directory_size": 100, **options}
    with (
        override_settings(MEDIA_ROOT=root / "media", DSU_DOCUMENTS_ROOT=root / "documents"),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", no_progress=True, stdout=out, **options)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DSU_DOCUMENTS_ROOT = tmp_path / "documents"
    # Each test's access-log seals go to its own external anchor file (the database is rolled back).
    settings.ACCESS_LOG_ANCHOR_DIR = tmp_path / "anchors"


@pytest.fixture
def dpo(db):
    """The Data Protection Officer: a DPO membership in the DPO team."""
    from grc.models import Team

    team = TeamFactory(name="Protection des données", kind=Team.Kind.DPO)
    return MembershipFactory(team=team, role=Membership.Role.DPO).user


@pytest.fixture
def dpo_client(client, dpo):
    """A client logged in as ``dpo`` with a verified second factor."""
    return verify_otp(client, dpo)


@pytest.fixture
def admin_client(client):
    """A functional admin (superuser, as seeded) with a verified second factor (replaces pytest-django's)."""
    membership = MembershipFactory(
        role=Membership.Role.FUNCTIONAL_ADMIN, user=UserFactory(staff=True, is_superuser=True)
    )
    return verify_otp(client, membership.user)


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
