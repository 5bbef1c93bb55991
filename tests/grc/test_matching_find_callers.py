"""Every place that looks a person up goes through the one citizen finder (grc.matching.find): the back
office's "Usagers" page, GET /api/v1/citizens (test client and a live server with a real HTTP client),
the global search box, identity matching and the mail suggestions. A tuning change in grc.matching.find
is seen by all of them; each keeps its own permission check and access log."""

import datetime

import httpx
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.matching import find
from grc.matching.candidates import IdentityQuery, match
from grc.models import Membership
from mail.suggest.citizens import suggest_citizens
from mail.suggest.extraction import Extracted
from search.service import search_for
from tests.api_http.conftest import FLUSHABLE_APPS
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory, UserFactory, verify_otp
from tests.grc.test_api import issue_token

BIRTH = datetime.date(1984, 3, 7)


@pytest.fixture
def three(db, django_capture_on_commit_callbacks):
    """LEFEVRE, LEFEBVRE (one letter more) and LEFAIVRE (sounds the same), all Marie; indexed for the search box."""
    with django_capture_on_commit_callbacks(execute=True):
        people = [
            CitizenFactory(birth_name=name, first_names="Marie", birth_date=BIRTH + datetime.timedelta(days=i))
            for i, name in enumerate(("Lefaivre", "Lefebvre", "Lefevre"))
        ]
    sound, typo, exact = people
    return {"exact": exact, "typo": typo, "sound": sound}


@pytest.fixture
def worker(db):
    return MembershipFactory(role=Membership.Role.SOCIAL_WORKER).user


def _orders(worker, query: str) -> dict[str, list[int]]:
    """The citizens each search caller lists for ``query``, in their order."""
    page = verify_otp(Client(), worker).get(reverse("backoffice:citizen_search"), {"q": query})
    assert page.status_code == 200
    token = issue_token(team=Membership.objects.filter(user=worker).first().team.code, role="instructor")
    api = Client().get("/api/v1/citizens", {"q": query}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200
    box = search_for(user=worker, q=query, kinds=["citizen"])
    return {
        "back office": [hit.citizen.pk for hit in page.context["hits"]],
        "api": [hit["id"] for hit in api.json()],
        "search box": [hit.object_id for hit in box.hits],
    }


@pytest.mark.django_db
def test_every_search_caller_lists_the_finders_order_and_follows_its_tuning(three, worker, monkeypatch):
    expected = [three["exact"].pk, three["typo"].pk, three["sound"].pk]
    assert _orders(worker, "lefevre marie") == {"back office": expected, "api": expected, "search box": expected}
    # One weight changed in grc.matching.find: an exact spelling now counts less than a near one.
    monkeypatch.setattr(find, "SIM_EXACT", 0.5)
    tuned = [three["typo"].pk, three["sound"].pk, three["exact"].pk]
    assert _orders(worker, "lefevre marie") == {"back office": tuned, "api": tuned, "search box": tuned}


@pytest.mark.django_db
def test_matching_and_mail_suggestions_find_a_misspelled_name_through_the_finder(three, monkeypatch):
    query = IdentityQuery(birth_name="Lefevvre", first_names="Marie")
    letter = Extracted(names=[("LEFEVVRE", "Marie")])
    assert three["exact"].pk in [c.citizen_id for c in match(query)]
    assert three["exact"].pk in [s["id"] for s in suggest_citizens(letter)[0]]
    # The finder hands nobody on: without a birth date, neither matching nor the mailroom has a candidate.
    monkeypatch.setattr(find, "PROBE_CAP", 0)
    assert match(query) == []
    assert suggest_citizens(letter)[0] == []


@pytest.mark.django_db
def test_each_caller_keeps_its_permission_check_and_access_log(three):
    outsider = UserFactory(staff=True)
    assert (
        verify_otp(Client(), outsider).get(reverse("backoffice:citizen_search"), {"q": "lefevre"}).status_code == 404
    )
    assert search_for(user=outsider, q="lefevre marie", kinds=["citizen"]).hits == []
    worker = MembershipFactory(role=Membership.Role.SOCIAL_WORKER).user
    before = AccessLog.objects.filter(actor=worker).count()
    verify_otp(Client(), worker).get(reverse("backoffice:citizen_search"), {"q": "lefevre marie"})
    search_for(user=worker, q="lefevre marie", kinds=["citizen"])
    actions = list(AccessLog.objects.filter(actor=worker).order_by("id").values_list("action", flat=True))[before:]
    assert AccessLog.Action.CITIZEN_SEARCH in actions and AccessLog.Action.SEARCH_QUERY in actions


@pytest.mark.django_db
def test_the_search_callers_query_counts_are_pinned(three, worker, django_assert_max_num_queries):
    client = verify_otp(Client(), worker)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("backoffice:citizen_search"), {"q": "lefevre marie"}).status_code == 200
    # memberships, the finder's lexicon and probe, thresholds, the search, the snippets, the access log (+ savepoints)
    with django_assert_max_num_queries(9):
        search_for(user=worker, q="lefevre marie", kinds=["citizen"])


@pytest.mark.django_db
def test_a_commune_ranks_those_living_there_first_and_an_unknown_one_is_refused_in_french(worker):
    """Two namesakes: with Vitré asked (INSEE code or name, as typed), the one living in Vitré comes first on
    the "Usagers" page and in the API; a commune the territory does not have is a French error, not a 500."""
    rennes = CitizenFactory(birth_name="Le Bihan", first_names="Soazig", birth_date=BIRTH)
    vitre = CitizenFactory(birth_name="Le Bihan", first_names="Soazig", birth_date=BIRTH + datetime.timedelta(days=1))
    AddressFactory(citizen=rennes)
    AddressFactory(citizen=vitre, postcode="35500", city="Vitré", insee_code="35360")
    client = verify_otp(Client(), worker)
    url = reverse("backoffice:citizen_search")
    token = issue_token(team=Membership.objects.filter(user=worker).first().team.code, role="instructor")

    def orders(**extra) -> tuple[list[int], list[int]]:
        page = client.get(url, {"q": "le bihan soazig", **extra})
        api = Client().get("/api/v1/citizens", {"q": "le bihan soazig", **extra}, HTTP_AUTHORIZATION=f"Bearer {token}")
        return [h.citizen.pk for h in page.context["hits"]], [h["id"] for h in api.json()]

    assert orders() == ([rennes.pk, vitre.pk], [rennes.pk, vitre.pk])  # equal scores: by id
    for asked in ("35360", "Vitré", "vitre", "VITRE "):
        assert orders(commune=asked) == ([vitre.pk, rennes.pk], [vitre.pk, rennes.pk])
    assert orders(commune="Rennes") == ([rennes.pk, vitre.pk], [rennes.pk, vitre.pk])

    page = client.get(url, {"q": "le bihan soazig", "commune": "Gotham City"})
    assert page.status_code == 200 and page.context["hits"] is None
    assert "Commune inconnue : saisissez un code INSEE" in page.content.decode()
    api = Client().get("/api/v1/citizens", {"q": "le bihan", "commune": "99999"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"][-1] == "commune"
    assert api.json()["detail"][0]["msg"].startswith("Commune inconnue")


@pytest.mark.django_db
def test_a_birth_year_ranks_the_namesake_born_that_year_first_and_a_bad_one_is_refused_in_french(worker):
    """An agent who knows only "born in 1982": on the "Usagers" page and in the API that namesake comes first;
    a year that is no year, in the future or alone without a name is a French error, never a 500."""
    older = CitizenFactory(birth_name="Tanguy", first_names="Gwenola", birth_date=datetime.date(1955, 2, 1))
    younger = CitizenFactory(birth_name="Tanguy", first_names="Gwenola", birth_date=datetime.date(1982, 9, 30))
    client = verify_otp(Client(), worker)
    url = reverse("backoffice:citizen_search")
    token = issue_token(team=Membership.objects.filter(user=worker).first().team.code, role="instructor")

    def orders(**extra) -> tuple[list[int], list[int]]:
        page = client.get(url, {"q": "tanguy gwenola", **extra})
        api = Client().get("/api/v1/citizens", {"q": "tanguy gwenola", **extra}, HTTP_AUTHORIZATION=f"Bearer {token}")
        return [h.citizen.pk for h in page.context["hits"]], [h["id"] for h in api.json()]

    assert orders() == ([older.pk, younger.pk], [older.pk, younger.pk])  # equal scores: by id
    assert orders(birth_year="1982") == ([younger.pk, older.pk], [younger.pk, older.pk])

    next_year = str(timezone.localdate().year + 1)
    for year, message in (
        ("mil neuf cent", "Saisissez une année de naissance en chiffres"),
        ("1850", "Saisissez une année de naissance à partir de 1900"),
        (next_year, "ne peut pas être dans le futur"),
        ("9" * 5000, "Saisissez une année de naissance en chiffres"),
    ):
        page = client.get(url, {"q": "tanguy gwenola", "birth_year": year})
        assert page.status_code == 200 and page.context["hits"] is None, year
        assert message in page.content.decode(), year
    alone = client.get(url, {"birth_year": "1982"})
    assert alone.status_code == 200 and alone.context["hits"] is None
    assert "de naissance seule ne suffit pas" in alone.content.decode()
    for year in ("1850", "abc"):
        api = Client().get(
            "/api/v1/citizens", {"q": "tanguy", "birth_year": year}, HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert api.status_code == 422 and api.json()["detail"][0]["loc"][-1] == "birth_year", year


@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_the_api_search_through_a_live_server_finds_a_misspelled_name_best_first(live_server):
    team = MembershipFactory(role=Membership.Role.SOCIAL_WORKER).team
    exact = CitizenFactory(birth_name="Kerhervé", first_names="Maëlle", birth_date=BIRTH)
    CitizenFactory(birth_name="Kerherve", first_names="Gaëlle", birth_date=BIRTH)
    token = issue_token(team=team.code, role="instructor")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}) as http:
        # With the commune as typed (the INSEE code of Rennes): one request, one access-log row.
        found = http.get("/api/v1/citizens", params={"q": "kerherv maelle", "limit": 5, "commune": "35238"})
        assert found.status_code == 200
        assert found.json()[0]["id"] == exact.pk
        assert set(found.json()[0]) == {"id", "birth_name", "usage_name", "first_names", "birth_date", "score"}
        # A birth year puts the namesake born that year first.
        dated = http.get("/api/v1/citizens", params={"q": "kerherve", "birth_year": 1984, "limit": 5})
        assert dated.status_code == 200 and dated.json()[0]["birth_date"].startswith("1984")
        assert http.get("/api/v1/citizens", params={"q": "x" * 201}).status_code == 422
        # A commune the territory does not have: a French 422 (refused before any search, so nothing logged).
        unknown = http.get("/api/v1/citizens", params={"q": "kerherv maelle", "commune": "Atlantide"})
        assert unknown.status_code == 422 and unknown.json()["detail"][0]["msg"].startswith("Commune inconnue")
        assert (
            http.get("/api/v1/citizens", params={"q": "kerherv"}, headers={"Authorization": "Bearer faux"}).status_code
            == 401
        )
