"""Every back-office and admin URL needs a login and a verified second factor; citizens never get in.

The back-office URLs are read from the resolver, so a new view is covered the day it is added.
"""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from grc.models import CitizenMerge
from tests.backoffice.factories import DuplicateSuspicionFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OTP_PAGES = {"backoffice:otp_verify", "backoffice:otp_setup"}
ADMIN_ROOTS = ["/cms/", "/django-admin/"]


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _patterns(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def _backoffice_urls(ids):
    """(url name, path) for every named back-office route, int kwargs filled with an existing object's id."""
    _prefix, backoffice = get_resolver().namespace_dict["backoffice"]
    urls = []
    for name, pattern in _patterns(backoffice, "backoffice:"):
        converters = getattr(pattern.pattern, "converters", None)
        assert converters is not None, f"{name}: regex routes are not covered by this sweep, use path()"
        kwargs = {}
        for kwarg, converter in converters.items():
            kind = type(converter).__name__
            if isinstance(converter, IntConverter):  # <int:…> and the back office's bounded <id:…>
                kwargs[kwarg] = next((v for k, v in ids.items() if k in name), ids["default"])
            elif kind == "UUIDConverter":
                kwargs[kwarg] = uuid.uuid4()
            else:
                kwargs[kwarg] = "test"
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


@pytest.fixture
def all_urls():
    suspicion = DuplicateSuspicionFactory()
    actor = UserFactory(staff=True)
    merge = CitizenMerge.objects.create(
        source=suspicion.citizen_a, target=suspicion.citizen_b, actor=actor, reason="test"
    )
    ids = {
        "citizen": suspicion.citizen_a.pk,
        "suspicion": suspicion.pk,
        "merge": merge.pk,
        "default": suspicion.citizen_a.pk,
    }
    urls = _backoffice_urls(ids) + [(root, root) for root in ADMIN_ROOTS]
    assert len(urls) > len(ADMIN_ROOTS) + 4
    return urls


def test_every_back_office_url_sends_anonymous_visitors_to_login(client, all_urls):
    # Django's admin sends to its own login form (which is followed by the same 2FA requirement).
    login = (reverse("login"), reverse("admin:login"))
    for name, url in all_urls:
        response = client.get(url)
        assert response.status_code == 302, f"{name} ({url}) answered {response.status_code} without login"
        assert response.url.startswith(login), f"{name} ({url}) redirected to {response.url}"


def test_every_back_office_url_needs_a_verified_second_factor(client, all_urls):
    user = UserFactory(staff=True)
    client.force_login(user)
    second_factor = (reverse("backoffice:otp_verify"), reverse("backoffice:otp_setup"))
    for name, url in all_urls:
        if name in OTP_PAGES:
            continue
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, f"{name} ({url}) answered {response.status_code} before 2FA"
            assert response.url.startswith(second_factor), f"{name} ({url}) redirected to {response.url}"


def test_every_back_office_url_refuses_citizen_accounts(client, all_urls, citizen_user):
    client.force_login(citizen_user)
    for name, url in all_urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 403, f"{name} ({url}) answered {response.status_code} to a citizen"


@pytest.mark.parametrize("path", ["/cms/login/", "/django-admin/login/"])
def test_admin_login_forms_send_to_the_one_login_page(client, path):
    response = client.get(path + "?next=/cms/")
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=/cms/"
