"""Bad input on every DPO console page: a French error (form error, 400) or a 404, never a 500.

The test client re-raises a view's exception, so a 500 fails these tests with its traceback.
"""

import datetime
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from grc.audit.models import AccessLog, Alert, AlertRule
from grc.audit.services import access_log_write, access_log_write_dated
from tests.bad_input import GARBAGE, PATH_IDS, no_500
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db
A = AccessLog.Action

LOG_PARAMS = ["actor", "citizen", "team", "territory", "action", "purpose", "since", "until", "apres"]
PAGES = {
    "dpo_home": ([], []),
    "dpo_log": ([], LOG_PARAMS),
    "dpo_log_export": ([], LOG_PARAMS),
    "dpo_alerts": ([], ["statut"]),
    "dpo_history": ([], ["modele", "numero"]),
    "dpo_actor_timeline": (["worker"], ["jours", "apres"]),
    "dpo_citizen_readers": (["citizen"], ["jours"]),
    "dpo_history_user": (["worker"], ["avant"]),
    "dpo_history_object": (["grc.citizen", "citizen"], []),
    "dpo_alert": (["alert"], []),
}


@pytest.fixture
def objects(worker_a):
    citizen = CitizenFactory()
    access_log_write(actor=worker_a, action=A.FILE_VIEW, citizen=citizen)
    row = AccessLog.objects.latest("seq")
    rule = AlertRule.objects.create(kind=AlertRule.Kind.OFF_HOURS)
    alert = Alert.objects.create(
        rule=rule,
        subject=worker_a,
        key="k",
        window_start=timezone.now(),
        window_end=timezone.now(),
        evidence=[row.seq],
    )
    return {"worker": worker_a.pk, "citizen": citizen.pk, "alert": alert.pk}


def _get(client, url, params=None):
    return no_500(client.get(url, params or {}), (url, params))


@pytest.mark.parametrize("name", sorted(PAGES))
def test_garbage_in_every_get_parameter_never_gives_a_500(dpo_client, objects, name):
    args, params = PAGES[name]
    url = reverse(f"backoffice:{name}", args=[objects.get(a, a) for a in args])
    for value in GARBAGE:
        _get(dpo_client, url, dict.fromkeys(params or ["x"], value))
        for param in params:
            _get(dpo_client, url, {param: value})


@pytest.mark.parametrize("name", sorted(n for n, (args, _) in PAGES.items() if args))
def test_garbage_in_every_path_id_never_gives_a_500(dpo_client, objects, name):
    args, _ = PAGES[name]
    for position, arg in enumerate(args):
        for value in PATH_IDS + ["²", "-1", "abc", "grc.inconnu", "a\x00b"]:
            values = [objects.get(a, a) for a in args]
            values[position] = "zz.marker" if arg == "grc.citizen" else 987654321
            url = reverse(f"backoffice:{name}", args=values).replace(str(values[position]), quote(value))
            response = _get(dpo_client, url)
            if value in PATH_IDS[2:] and arg != "grc.citizen":  # beyond bigint
                assert response.status_code == 404, url


def test_history_search_refuses_unicode_digits_in_french(dpo_client):
    response = dpo_client.get(reverse("backoffice:dpo_history"), {"modele": "grc.citizen", "numero": "²"})
    assert response.status_code == 200
    assert "Choisissez un type d&#x27;objet et saisissez un numéro" in response.content.decode()


@pytest.mark.parametrize("pk", ["9223372036854775808", "99999999999999999999999"])
def test_an_id_beyond_bigint_is_a_404_and_logs_nothing(dpo_client, pk):
    for url in (f"/backoffice/dpo/historique/grc.citizen/{pk}/", f"/backoffice/dpo/usagers/{pk}/lecteurs/"):
        assert dpo_client.get(url).status_code == 404
    assert not AccessLog.objects.filter(action__startswith="dpo.").exists()


@pytest.mark.parametrize("name", ["dpo_log", "dpo_log_export"])
def test_dates_out_of_range_get_a_french_message(dpo_client, name):
    response = dpo_client.get(reverse(f"backoffice:{name}"), {"until": "9999-12-31"})
    if name == "dpo_log":
        assert response.status_code == 200
        assert "Saisissez une date entre le 01/01/2000 et le 31/12/2099" in response.content.decode()
        assert response.context["page"] is None
    else:
        assert response.status_code == 302  # back to the list, with the error message
        follow = dpo_client.get(response.url)
        assert "Les filtres de l&#x27;export ne sont pas valides" in follow.content.decode()
    response = dpo_client.get(reverse("backoffice:dpo_log"), {"since": "0001-01-01"})
    assert "Saisissez une date entre" in response.content.decode()
    # The bounds themselves are accepted.
    response = dpo_client.get(reverse("backoffice:dpo_log"), {"since": "2000-01-01", "until": "2099-12-31"})
    assert response.context["page"] is not None


def test_alert_form_with_garbage_is_refused_in_french(dpo_client, objects):
    url = reverse("backoffice:dpo_alert", args=[objects["alert"]])
    for value in GARBAGE:
        response = dpo_client.post(url, {"status": value, "owner": value, "note": value})
        # A NUL character is refused before the view (grc.middleware.UnstorableInputMiddleware, a French 400);
        # anything else reaches the form, which answers with its errors.
        if "\x00" in value:
            assert response.status_code == 400
            assert "caractères non autorisés" in response.content.decode()
        else:
            assert response.status_code == 200
    assert Alert.objects.get().status == Alert.Status.OPEN


def test_garbage_cursor_dates_are_ignored(dpo_client, worker_a):
    at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    access_log_write_dated(actor=worker_a, action=A.FILE_VIEW, citizen=1, at=at)
    for value in ("1e999_1", "nan_1", "-99999999999999_1", "99999999999999999_1"):
        response = dpo_client.get(reverse("backoffice:dpo_log"), {"since": "2025-01-01", "apres": value})
        assert response.status_code == 200
