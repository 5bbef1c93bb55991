"""Fixtures of the mail tests: the mailroom team and agent, a task queue that only records."""

import pytest
from django.apps import apps

from grc.models import Membership, Team
from tests.factories import MembershipFactory, TeamFactory

# transaction=True tests flush the tables afterwards; the access log is append-only (TRUNCATE refused).
FLUSHABLE_APPS = [config.name for config in apps.get_app_configs() if config.label != "audit"]


@pytest.fixture
def mail_team(db):
    return TeamFactory(name="Courrier", code="courrier-test", kind=Team.Kind.MAIL)


@pytest.fixture
def mailroom_agent(mail_team):
    """A mailroom agent (scans, sees every scan and its suggestions)."""
    return MembershipFactory(team=mail_team, role=Membership.Role.MAILROOM_AGENT).user


@pytest.fixture
def recorded_tasks(settings):
    """Enqueued tasks are recorded, not run (django-tasks' dummy backend): the list of results."""
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return default_task_backend.results
