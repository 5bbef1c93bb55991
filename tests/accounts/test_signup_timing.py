"""Whether an address has an account must not be readable from how long sign-up or password reset take.

Measured with the production password hasher (the test settings' MD5 hides the cost that made the
difference) and the production task backend (an e-mail is a row in the queue, not a send). The requests
go in pairs, one for a known and one for a new address, in alternating order: a burst of load on this
shared machine falls on both of a pair, and the median of the differences within pairs is compared with
the median time of a request.
"""

import statistics
import time

import pytest
from django.test import Client

from portal.accounts.models import CitizenProfile
from tests.accounts.factories import portal_account
from tests.accounts.test_signup import GOOD

pytestmark = pytest.mark.django_db

ROUNDS = 8
# A relative bound well below the gap the hash made (0.35 s against 0.06 s measured on make run), and a
# floor in seconds for requests too fast for a ratio to mean anything (password reset).
MAX_RELATIVE_GAP = 0.25
MAX_ABSOLUTE_GAP = 0.005

PRODUCTION_LIKE = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
    "ACCOUNTS_FORMS_PER_IP_PER_HOUR": 0,
    "ACCOUNTS_EMAILS_PER_ADDRESS_PER_HOUR": 0,
}

SIGNUP = {key: value for key, value in GOOD.items() if key != "email"}


@pytest.fixture
def production_like(settings):
    for name, value in PRODUCTION_LIKE.items():
        setattr(settings, name, value)


def _timed(post):
    start = time.perf_counter()
    response = post()
    return time.perf_counter() - start, response


def _assert_same_time(known: list[float], new: list[float]):
    typical = statistics.median(known + new)
    gap = statistics.median(k - n for k, n in zip(known, new, strict=True))
    assert abs(gap) <= max(MAX_RELATIVE_GAP * typical, MAX_ABSOLUTE_GAP), (
        f"a known address answers {gap * 1000:+.1f} ms later than a new one (a request takes {typical:.3f} s)"
    )


def _page_for(client, response, email):
    """The page the person lands on, with the address they typed taken out."""
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode().replace(email, "ADDRESS")


def test_sign_up_takes_as_long_and_says_the_same_for_a_known_and_a_new_address(production_like):
    known_email = portal_account().email
    known_times, new_times, pages = [], [], set()
    for round_ in range(ROUNDS):
        pair = (known_email, f"nouvelle.personne.{round_}@example.org")
        for email in pair if round_ % 2 else reversed(pair):
            client = Client()
            elapsed, response = _timed(
                lambda c=client, e=email: c.post("/compte/inscription/", {**SIGNUP, "email": e})
            )
            (known_times if email == known_email else new_times).append(elapsed)
            pages.add((response.status_code, response["Location"], _page_for(client, response, email)))

    assert len(pages) == 1  # the same answer, word for word
    assert CitizenProfile.objects.count() == 1 + ROUNDS  # the new addresses did sign up
    _assert_same_time(known_times, new_times)


def test_password_reset_takes_as_long_and_says_the_same_for_a_known_and_an_unknown_address(production_like):
    known_email = portal_account().email
    known_times, new_times, pages = [], [], set()
    for round_ in range(ROUNDS * 3):  # fast requests: more of them for a stable median
        pair = (known_email, f"inconnue.{round_}@example.org")
        for email in pair if round_ % 2 else reversed(pair):
            client = Client()
            elapsed, response = _timed(lambda c=client, e=email: c.post("/compte/mot-de-passe/", {"email": e}))
            (known_times if email == known_email else new_times).append(elapsed)
            pages.add((response.status_code, response["Location"], _page_for(client, response, email)))

    assert len(pages) == 1
    _assert_same_time(known_times, new_times)
