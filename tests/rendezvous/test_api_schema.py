"""Schema-driven fuzzing (schemathesis) of the appointment operations on a live server, with a partner's token
and a motif open to partners that has free slots, so generated bookings can succeed as well as be refused.
(tests/api_http/test_schemathesis.py fuzzes every operation with a world that has no appointment data.)"""

from __future__ import annotations

import datetime

import hypothesis
import pytest
import schemathesis
from django.utils import timezone
from schemathesis.config import SchemathesisConfig

from rendezvous.models import Motif
from tests.api_http.conftest import FLUSHABLE_APPS
from tests.api_http.test_schemathesis import CHECKS, hypothesis_home  # noqa: F401 — the fixture
from tests.factories import MembershipFactory, TeamFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, PlageFactory
from tests.rendezvous.test_api import token

EXAMPLES_PER_OPERATION = 40


@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_the_appointment_operations_answer_as_their_schema_says(live_server, hypothesis_home):  # noqa: F811
    team = TeamFactory()
    motif = MotifFactory(team=team, bookable_by=Motif.BookableBy.PARTENAIRES, min_booking_delay_minutes=0)
    PlageFactory(
        agent=MembershipFactory(team=team).user,
        lieu=LieuFactory(),
        first_day=timezone.localdate() - datetime.timedelta(days=1),
        weekdays=[0, 1, 2, 3, 4, 5, 6],
        start_time=datetime.time(0),
        end_time=datetime.time(23, 30),
        motifs=[motif],
    )
    headers = {"Authorization": f"Bearer {token('fuzz-rdv@example.org')}"}
    config = SchemathesisConfig.from_dict({"cache": {"enabled": False}})
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json", headers=headers, config=config)
    failures, statuses = {}, []
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/rendezvous" not in operation.path:
            continue

        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(case=operation.as_strategy())
        def check(case):
            response = case.call(base_url=live_server.url, headers=headers)
            statuses.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as error:  # noqa: BLE001 — one report for every operation
            failures[operation.label] = str(error)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{message}" for label, message in failures.items())
    assert len(statuses) >= 3 * 10 and not [status for status in statuses if status >= 500]
