"""Back office (header box, results page, instant results, opening a result) and the API."""

import pytest
from django.urls import reverse

from grc.audit.models import AccessLog
from tests.factories import verify_otp

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_a(client, world):
    return verify_otp(client, world.worker_a)


def test_header_box_on_every_page_posts_without_names_in_urls(client_a):
    html = client_a.get(reverse("backoffice:home")).content.decode()
    assert 'id="header-q"' in html and 'method="post"' in html and "js/search.js" in html
    assert 'hx-trigger="input changed delay:250ms from:#header-q"' in html


def test_results_page_grouped_with_highlights_and_facets(client_a, world):
    response = client_a.post(reverse("backoffice:search"), {"q": "coupure électricité"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Courriers" in html and "<mark>" in html
    assert reverse("backoffice:search_open", args=["mail", world.letter.pk]) in html
    # the query is not in any URL of the page
    assert "coupure" not in response.request["PATH_INFO"] + response.request.get("QUERY_STRING", "")


def test_exact_code_leads_the_page(client_a, world):
    html = client_a.post(reverse("backoffice:search"), {"q": "D-2026-7K3M9Q"}).content.decode()
    assert html.index("Demandes") < html.index("correspondance exacte")


def test_empty_or_too_long_query_is_a_french_message_and_keeps_the_text(client_a):
    html = client_a.post(reverse("backoffice:search"), {"q": ""}).content.decode()
    assert "Saisissez un nom" in html
    long = "x" * 201
    html = client_a.post(reverse("backoffice:search"), {"q": long}).content.decode()
    assert "Au plus 200 caractères" in html and long in html


def test_instant_results_fragment(client_a, world):
    response = client_a.post(reverse("backoffice:search_suggest"), {"q": "le gof"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert reverse("backoffice:search_open", args=["citizen", world.le_goff.pk]) in html


def test_htmx_results_page_returns_the_fragment(client_a):
    response = client_a.post(reverse("backoffice:search"), {"q": "le goff"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"') and "<html" not in html


def test_opening_a_result_is_logged_then_redirects(client_a, world):
    url = reverse("backoffice:search_open", args=["file", world.file_a.pk])
    response = client_a.get(url)
    assert response.status_code == 302 and response["Location"] == reverse(
        "backoffice:file_detail", args=[world.file_a.pk]
    )
    row = AccessLog.objects.filter(action=AccessLog.Action.SEARCH_RESULT_OPEN).latest("pk")
    assert (row.actor, row.citizen_id, row.object_id) == (world.worker_a, world.le_goff.pk, str(world.file_a.pk))


def test_opening_what_one_may_not_see_is_404_and_not_logged(client, world):
    client_b = verify_otp(client, world.worker_b)
    before = AccessLog.objects.filter(action=AccessLog.Action.SEARCH_RESULT_OPEN).count()
    for kind, pk in (("file", world.file_a.pk), ("note", world.note_team.pk), ("request", world.request.pk)):
        assert client_b.get(reverse("backoffice:search_open", args=[kind, pk])).status_code == 404
    assert client_b.get(reverse("backoffice:search_open", args=["nope", 1])).status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.SEARCH_RESULT_OPEN).count() == before


def test_citizen_account_cannot_search(client, citizen_user, world):
    client.force_login(citizen_user)
    response = client.post(reverse("backoffice:search"), {"q": "le goff"})
    assert response.status_code in (302, 403, 404)


def test_api_search_same_filtering(client_a, client, world):
    data = client_a.get("/api/v1/search", {"q": "violences conjugales"}).json()
    assert [(r["type"], r["id"]) for r in data["results"]] == [("note", world.note_team.pk)]
    assert data["facets"]["kind"] == {"note": 1}
    client_b = verify_otp(client, world.worker_b)
    data = client_b.get("/api/v1/search", {"q": "violences conjugales"}).json()
    assert data["results"] == [] and data["total"] == 0 and data["facets"]["kind"] == {}


def test_api_exact_code_and_type(client_a, world):
    data = client_a.get("/api/v1/search", {"q": "2026-C-000123", "type": "mail"}).json()
    assert data["results"][0]["id"] == world.letter.pk and data["results"][0]["exact"] is True


@pytest.mark.parametrize(
    "params, field",
    [({}, "q"), ({"q": "x" * 201}, "q"), ({"q": "dupont", "type": "chat"}, "type"), ({"q": "a", "limit": 0}, "limit")],
)
def test_api_bad_parameters_are_french_422(client_a, params, field):
    response = client_a.get("/api/v1/search", params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any(field in d["loc"] for d in detail)
    assert all(any(w in d["msg"] for w in ("Ce champ", "Au plus", "Valeur", "au moins")) for d in detail)


def test_opening_a_request_or_a_letter_goes_to_its_page(client_a, world):
    response = client_a.get(reverse("backoffice:search_open", args=["request", world.request.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:request_detail", args=[world.request.tracking_code])
    response = client_a.get(reverse("backoffice:search_open", args=["mail", world.letter.pk]))
    assert response["Location"] == reverse("backoffice:mail_detail", args=[world.letter.pk])
