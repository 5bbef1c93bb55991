"""The anonymous page cache (portal/cache.py): what is served from it, to whom, and when it is emptied."""

import pytest
from django.core.cache import caches
from django.test import override_settings

from portal.cache import CACHE_ALIAS, HIT_HEADER
from portal.models import HomePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache():
    caches[CACHE_ALIAS].clear()
    with override_settings(PORTAL_PAGE_CACHE_SECONDS=300):
        yield caches[CACHE_ALIAS]
    caches[CACHE_ALIAS].clear()


def test_anonymous_pages_come_from_the_cache_with_validators_and_are_refreshed_on_publish(
    client, page_cache, home, procedure, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    first = client.get("/")
    assert first.status_code == 200 and first[HIT_HEADER] == "miss"
    assert "Cookie" in first["Vary"] and "no-cache" in first["Cache-Control"]
    assert first["ETag"] and first["Last-Modified"]
    # The second anonymous visitor gets the same page without a single query.
    with django_assert_max_num_queries(0):
        second = client.get("/")
    assert second[HIT_HEADER] == "hit" and second.content == first.content and second["Vary"] == first["Vary"]
    assert second["ETag"] == first["ETag"] and second["X-Frame-Options"] == first["X-Frame-Options"]
    assert "Content-Security-Policy" in second
    # A browser holding this version is answered 304, no body.
    assert client.get("/", headers={"If-None-Match": first["ETag"]}).status_code == 304

    procedure_page = client.get(procedure.url)
    assert procedure_page[HIT_HEADER] == "miss"
    assert client.get(procedure.url)[HIT_HEADER] == "hit"

    # A functional admin publishes a new title: the next visitor sees it.
    page = HomePage.objects.get(pk=home.pk)
    page.title = "Vos démarches, nouvelle version"
    page.seo_title = "Vos démarches, nouvelle version"
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    refreshed = client.get("/")
    assert refreshed[HIT_HEADER] == "miss"
    assert "Vos démarches, nouvelle version" in refreshed.content.decode()
    assert client.get(procedure.url)[HIT_HEADER] == "miss"


def test_logged_in_pages_are_never_stored_nor_served_from_the_cache(client, page_cache, home, filer):
    from django.test import Client

    anonymous = client.get("/").content.decode()
    assert ">Se connecter</a>" in anonymous

    citizen = Client()
    citizen.force_login(filer)
    mine = citizen.get("/")
    assert HIT_HEADER not in mine
    assert ">Mon espace</a>" in mine.content.decode() and ">Se connecter</a>" not in mine.content.decode()
    assert mine["Cache-Control"] == "private, no-cache" and "Cookie" in mine["Vary"]

    # With the cache empty, the citizen's page is rendered first: it is not the one stored.
    page_cache.clear()
    citizen.get("/")
    fresh = client.get("/")
    assert fresh[HIT_HEADER] == "miss" and ">Se connecter</a>" in fresh.content.decode()


def test_searches_and_visitors_with_a_message_get_their_own_page(client, page_cache, catalogue, procedure):
    client.get(catalogue.url)
    assert client.get(catalogue.url)[HIT_HEADER] == "hit"
    search = client.get(catalogue.url, {"q": "scolaire"})
    assert HIT_HEADER not in search and "private" in search["Cache-Control"]
    assert "1 démarche correspond à votre recherche." in search.content.decode()
    client.cookies["messages"] = "x"
    assert HIT_HEADER not in client.get(catalogue.url)


def test_theme_change_empties_the_cache(
    client, page_cache, catalogue, themes, procedure, django_capture_on_commit_callbacks
):
    assert "Enfance et scolarité" in client.get(catalogue.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        themes["ecole"].name = "Scolarité et jeunesse"
        themes["ecole"].save()
    page = client.get(catalogue.url)
    assert page[HIT_HEADER] == "miss" and "Scolarité et jeunesse" in page.content.decode()
