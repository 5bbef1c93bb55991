"""Smoke crawl of the whole product as the demo users see it: no 500, no traceback, no broken link.

The demo data is loaded once for the module exactly as ``make run`` does (``seed_demo``), inside a
transaction rolled back at the end (the access log is append-only: it cannot be flushed). Each demo
staff role logs in with its second factor and crawls from ``/backoffice/``; the portal account and an
anonymous visitor crawl the public portal and "Mon espace". Every same-site link a page renders is
requested: 200, a redirect (followed), or 403 pass; a 404 on a link the application rendered for that
user is a broken link and fails, like a 500, a raised exception or a traceback in the body.
"""

import os
import re
import traceback
from collections import Counter, defaultdict, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from demo import data
from grc.models import Citizen, User
from tests.conftest import seeded_demo
from tests.factories import verify_otp

STAFF_ROLES = [
    "ts.vitre",
    "instructeur.rsa",
    "instructeur.transport",
    "courrier",
    "responsable.vitre",
    "dpo",
    "admin",
]
# SMOKE_DEPTH / SMOKE_PAGES / SMOKE_PER_ROUTE widen the crawl by hand (SMOKE_VERBOSE prints every request).
MAX_DEPTH = int(os.environ.get("SMOKE_DEPTH", 2))
MAX_PAGES = int(os.environ.get("SMOKE_PAGES", 80))  # per role
# Pages fetched per (URL pattern, query keys): detail pages of one kind all look alike.
PER_ROUTE = int(os.environ.get("SMOKE_PER_ROUTE", 3))

# Never requested: they end the session, or leave the product, or are static assets.
SKIPPED_PREFIXES = ("/deconnexion/", "/static/", "/media/", "/compte/deconnexion/", "/django-admin/logout/")
SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:")
# Not parsed for links (the Wagtail and Django admins are theirs, not ours); still requested once.
NOT_CRAWLED_PREFIXES = ("/cms/", "/api/")

# A logged-in user (staff with a verified second factor, or the portal account) is never sent there.
LOGIN_PREFIXES = ("/connexion/", "/compte/connexion/", "/backoffice/2fa/")
# id attributes of elements (not "data-id" and the like).
ELEMENT_ID = re.compile(r"""<[a-zA-Z][^>]*?\sid=["']([^"']+)["']""")

# 404s the application renders on purpose for these users: (role, path prefix) -> why.
EXPECTED_404 = {}


class _Links(HTMLParser):
    """``<a href>`` targets (and whether they sit in a ``<nav>``), and GET forms submitted with their defaults."""

    def __init__(self):
        super().__init__()
        self.links = []  # (href, in_nav)
        self.nav_depth = 0
        self.form = None  # [action, {name: value}] of the GET form being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            self.nav_depth += 1
        elif tag == "a" and attrs.get("href"):
            self.links.append((attrs["href"], self.nav_depth > 0))
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self.form = [attrs.get("action") or "", {}]
        elif self.form is not None and tag in ("input", "select", "textarea") and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button", "file"):
                return
            value = attrs.get("value") or ""
            if not value and attrs["name"] == "q":
                value = "Martin"  # a search forms' query: a common demo name
            self.form[1].setdefault(attrs["name"], value)

    def handle_endtag(self, tag):
        if tag == "nav" and self.nav_depth:
            self.nav_depth -= 1
        elif tag == "form" and self.form is not None:
            action, fields = self.form
            self.form = None
            query = urlencode({name: value for name, value in fields.items() if value})
            self.links.append((f"{action.split('?')[0]}?{query}" if query else action, False))


def links_of(html, base):
    """[(path with query, in_nav)] of the same-site links of a page."""
    parser = _Links()
    parser.feed(html)
    found = []
    for href, in_nav in parser.links:
        href = href.strip()
        if href.startswith("#") or href.lower().startswith(SKIPPED_SCHEMES):
            continue
        url, _ = urldefrag(urljoin(base, href))
        parts = urlsplit(url)
        if parts.netloc and parts.netloc not in ("testserver", "localhost", "127.0.0.1"):
            continue  # external
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(SKIPPED_PREFIXES):
            continue
        found.append((path, in_nav))
    return found


def route_key(path):
    parts = urlsplit(path)
    try:
        match = resolve(parts.path)
        route = match.route or match.view_name
        if match.view_name == "wagtail_serve":
            route = parts.path  # every portal page is its own page
    except Resolver404:
        route = parts.path
    keys = tuple(sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair}))
    return route, keys


def crawl(client, starts, who, *, logged_in=True):
    """Requests ``starts`` and the links they render up to MAX_DEPTH; returns the list of problems."""
    problems = []
    seen = set()
    per_route = defaultdict(int)
    queue = deque(start if isinstance(start, tuple) else (start, 0, "(start)") for start in starts)
    fetched = 0
    while queue and fetched < MAX_PAGES:
        path, depth, referer = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        key = route_key(path)
        if per_route[key] >= PER_ROUTE and depth > 0:
            continue
        per_route[key] += 1
        fetched += 1
        try:
            response = client.get(path)
            if os.environ.get("SMOKE_VERBOSE"):
                print(f"\n{who} {depth} {path} {response.status_code}")  # noqa: T201
        except Exception:  # noqa: BLE001 — every failure is reported with its traceback
            problems.append(f"{who}: GET {path} (linked from {referer}) raised:\n{traceback.format_exc()}")
            continue
        status = response.status_code
        where = f"{who}: GET {path} (linked from {referer})"
        if status >= 500:
            problems.append(f"{where} -> {status}")
            continue
        if status == 404:
            if not any(path.startswith(prefix) for (role, prefix) in EXPECTED_404 if role == who):
                problems.append(f"{where} -> 404 on a link the application rendered")
            continue
        if status in (301, 302, 303, 307, 308):
            location = urljoin(path, response["Location"])
            parts = urlsplit(location)
            if not parts.netloc or parts.netloc in ("testserver", "localhost", "127.0.0.1"):
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if logged_in and target.startswith(LOGIN_PREFIXES):
                    problems.append(f"{where} -> {status} to {target}: a logged-in user sent back to log in")
                    continue
                if not target.startswith(SKIPPED_PREFIXES):
                    queue.appendleft((target, depth, f"redirect from {path}"))
            continue
        if status == 403:
            continue
        if status != 200:
            problems.append(f"{where} -> {status}")
            continue
        content_type = response.get("Content-Type", "")
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content)
        else:
            body = response.content
        if "text/html" not in content_type:
            continue
        html = body.decode(response.charset or "utf-8", errors="replace")
        if "Traceback" in html:
            problems.append(f"{where} -> 200 with a traceback in the page")
        duplicated = sorted(i for i, n in Counter(ELEMENT_ID.findall(html)).items() if n > 1)
        if duplicated:
            # A label's "for", an aria-describedby or an error summary's link would reach the first one only.
            problems.append(f"{where} -> ids used more than once: {', '.join(duplicated)}")
        if depth >= MAX_DEPTH or path.startswith(NOT_CRAWLED_PREFIXES):
            continue
        for link, in_nav in links_of(html, path):
            if link not in seen:
                # The navigation is on every page: its entries are crawled as starting points.
                queue.append((link, 0 if in_nav else depth + 1, path))
    return problems, fetched


@pytest.fixture(autouse=True)
def _media_root():
    """The module's demo documents live in the module's directories (overrides the per-test ones)."""


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with seeded_demo(django_db_blocker, tmp_path_factory, "smoke"):
        yield


def staff_client(email):
    user = User.objects.get(email=email)
    return verify_otp(Client(), user)


@pytest.mark.django_db
@pytest.mark.parametrize("login", STAFF_ROLES)
def test_staff_role_crawl(demo, login):
    client = staff_client(f"{login}@{data.DEMO_EMAIL_DOMAIN}")
    starts = ["/backoffice/"]
    if login == "admin":
        starts += ["/django-admin/", "/cms/"]  # the organisation is managed in the Django admin
    home = client.get("/backoffice/")
    if b'name="q"' in home.content and reverse("backoffice:search").encode() in home.content:
        # The header's global search is a POST (names stay out of URLs): search a demo surname, crawl the results.
        surname = Citizen.objects.filter(status=Citizen.Status.ACTIVE).order_by("pk").first().birth_name
        try:
            results = client.post(reverse("backoffice:search"), {"q": surname})
        except Exception:  # noqa: BLE001
            pytest.fail(f"{login}: POST {reverse('backoffice:search')} q={surname} raised:\n{traceback.format_exc()}")
        assert results.status_code == 200, f"{login}: POST search q={surname} -> {results.status_code}"
        assert b"Traceback" not in results.content
        starts += [
            (link, 0 if in_nav else 1, f"search results for {surname}")
            for link, in_nav in links_of(results.content.decode(), "/")
        ]
    problems, fetched = crawl(client, starts, login)
    assert fetched > 3, f"{login}: the crawl stopped after {fetched} pages"
    assert not problems, "\n\n".join(problems)


def portal_starts():
    from portal.models import ProcedureIndexPage, ProcedurePage

    starts = ["/"]
    catalogue = ProcedureIndexPage.objects.live().first()
    procedure = ProcedurePage.objects.live().first()
    assert catalogue is not None and procedure is not None, "the demo portal has a catalogue and procedures"
    starts += [catalogue.url, procedure.url]
    return starts


@pytest.mark.django_db
def test_portal_account_crawl(demo):
    client = Client()
    client.force_login(User.objects.get(email=data.PORTAL_ACCOUNT_EMAIL))
    problems, fetched = crawl(client, [*portal_starts(), "/mon-espace/"], "usager")
    assert fetched > 3
    assert not problems, "\n\n".join(problems)


@pytest.mark.django_db
def test_anonymous_crawl(demo):
    problems, fetched = crawl(Client(), portal_starts(), "anonyme", logged_in=False)
    assert fetched > 3
    assert not problems, "\n\n".join(problems)


@pytest.mark.django_db
def test_api_docs_and_schema(demo):
    client = staff_client(f"ts.vitre@{data.DEMO_EMAIL_DOMAIN}")
    assert client.get("/api/v1/docs").status_code == 200
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"]
