"""« Estimer mes droits » as the outside world uses it: a live server, a real HTTP client (httpx) carrying the
session cookie and the CSRF token read from each form, through the five steps to the estimate, then « Effacer »."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser.conftest import FLUSHABLE_APPS
from tests.droits.test_portal_estimate import ALONE_NO_RESOURCES, ensure_communes


def _token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_questionnaire_through_a_live_server_with_csrf(live_server):
    ensure_communes()
    base = f"{live_server.url}/estimer-mes-droits"
    with httpx.Client(timeout=120, follow_redirects=True) as client:
        start = client.get(f"{base}/")
        assert start.status_code == 200 and "Commencer" in start.text
        page = client.get(f"{base}/etape/1/")
        # Without the CSRF token, the POST is refused and nothing is kept.
        assert client.post(f"{base}/etape/1/", data=ALONE_NO_RESOURCES[0]).status_code == 403
        for number, data in enumerate(ALONE_NO_RESOURCES, start=1):
            response = client.post(
                f"{base}/etape/{number}/",
                data={**data, "action": "next", "csrfmiddlewaretoken": _token(page.text)},
                headers={"Referer": f"{base}/etape/{number}/"},
            )
            assert response.status_code == 200, (number, response.text[:1000])
            page = response
        assert str(page.url).endswith("/resultat/")
        assert "Revenu de solidarité active (RSA)" in page.text and "OpenFisca France" in page.text
        assert re.search(r"<strong>\d[\d\u202f\xa0 ]*,\d\d €</strong>", page.text), "no amount shown"
        assert "Une estimation, pas une décision" in page.text

        cleared = client.post(
            f"{base}/effacer/", data={"csrfmiddlewaretoken": _token(page.text)}, headers={"Referer": str(page.url)}
        )
        assert cleared.status_code == 200 and "Vos réponses sont effacées." in cleared.text
        again = client.get(f"{base}/resultat/")
        assert str(again.url).endswith("/etape/1/")  # nothing left to estimate
        assert 'value="40"' not in again.text
