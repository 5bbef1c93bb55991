"""Schema-driven fuzzing (schemathesis) of every API operation on a live server, with a service token.

Inputs are generated from ``/api/v1/openapi.json`` as served; each answer must not be a 5xx, must have a
status the schema declares for that operation and a body matching the declared shape. Bounded for the
normal test run (``EXAMPLES_PER_OPERATION`` per operation). Nothing is written outside the test's temporary
directory: no Hypothesis example database, Hypothesis's home (its constants cache) under ``tmp_path``, no
schemathesis cache or report.

schemathesis's own pytest integration (``from_fixture``/``parametrize``) reads a private attribute that
pytest 9 no longer has; each operation's strategy is run here with Hypothesis directly instead.
"""

from __future__ import annotations

import hypothesis
import hypothesis.configuration
import pytest
import schemathesis
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from tests.api_http.conftest import FLUSHABLE_APPS, api_token

EXAMPLES_PER_OPERATION = 15
# What the schema promises, plus "the API refuses the request without its token". Not schemathesis's
# positive_data_acceptance: the services refuse values no JSON schema can express (a NIR's key, a name
# with no letter) with a declared 422, which is their job.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.ignored_auth,
]


@pytest.fixture
def hypothesis_home(tmp_path):
    hypothesis.configuration.set_hypothesis_home_dir(tmp_path / "hypothesis")
    yield
    hypothesis.configuration.set_hypothesis_home_dir(None)


@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_every_operation_answers_as_its_schema_says(live_server, world, hypothesis_home):
    token = api_token(world)
    headers = {"Authorization": f"Bearer {token}"}
    config = SchemathesisConfig.from_dict({"cache": {"enabled": False}})
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json", headers=headers, config=config)
    failures, sent, statuses = {}, 0, []

    for result in schema.get_all_operations():
        operation = result.ok()

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
            nonlocal sent
            sent += 1
            response = case.call(base_url=live_server.url, headers=headers)
            statuses.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as error:  # noqa: BLE001 — one report for every operation, not the first failure only
            failures[operation.label] = str(error)[:2000]

    print(f"schemathesis: {sent} requests, {sum(s >= 500 for s in statuses)} x 5xx")  # noqa: T201
    assert not failures, "\n\n".join(f"{label}:\n{message}" for label, message in failures.items())
    assert not [status for status in statuses if status >= 500]
