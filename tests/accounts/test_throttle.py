"""Anonymous forms cannot be used to flood an address with e-mail, nor be posted without end."""

import pytest
from django.core import mail

from portal.accounts.models import EmailThrottle
from tests.factories import UserFactory

from .test_signup import GOOD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mails_on_commit")]


def test_one_address_gets_at_most_the_limit_of_emails_an_hour_and_the_page_never_tells(client, settings):
    settings.ACCOUNTS_EMAILS_PER_ADDRESS_PER_HOUR = 3
    victim = "victime@example.org"
    pages = []
    for _ in range(6):
        response = client.post("/compte/inscription/", {**GOOD, "email": victim})
        pages.append((response.status_code, response.headers.get("Location")))
    # The same answer every time: nothing tells the sender that e-mails stopped.
    assert len(set(pages)) == 1 and pages[0][0] == 302
    assert [m.to for m in mail.outbox] == [[victim]] * 3
    # Another address is not affected; keys are HMACs, never the addresses.
    client.post("/compte/inscription/", {**GOOD, "email": "autre@example.org"})
    assert mail.outbox[-1].to == ["autre@example.org"]
    assert not EmailThrottle.objects.filter(key__icontains="example").exists()


def test_password_reset_emails_are_counted_per_address_too(client, settings):
    settings.ACCOUNTS_EMAILS_PER_ADDRESS_PER_HOUR = 2
    UserFactory(citizen_account=True, email="oubli@example.org")
    for _ in range(4):
        response = client.post("/compte/mot-de-passe/", {"email": "oubli@example.org"})
        assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["oubli@example.org"]] * 2


def test_one_ip_posting_too_often_gets_a_french_429_that_keeps_what_was_typed(client, settings):
    settings.ACCOUNTS_FORMS_PER_IP_PER_HOUR = 2
    for n in range(2):
        client.post("/compte/verification/renvoyer/", {"email": f"a{n}@example.org"}, REMOTE_ADDR="203.0.113.7")
    response = client.post("/compte/inscription/", {**GOOD, "email": "c@example.org"}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Trop de demandes" in body and "réessayez dans une heure" in body
    assert 'value="c@example.org"' in body and 'value="Rouxel"' in body
    response = client.post("/compte/mot-de-passe/", {"email": "d@example.org"}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    # Another client is served.
    response = client.post("/compte/mot-de-passe/", {"email": "d@example.org"}, REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 302


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(client, settings):
    settings.ACCOUNTS_FORMS_PER_IP_PER_HOUR = 1
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    first = client.post(
        "/compte/mot-de-passe/", {"email": "a@example.org"}, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy
    )
    # A second citizen behind the same proxy is not refused because of the first.
    second = client.post(
        "/compte/mot-de-passe/", {"email": "b@example.org"}, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy
    )
    # Whatever a client puts before the proxy's entry is ignored: no way round the limit by forging it.
    forged = client.post(
        "/compte/mot-de-passe/",
        {"email": "c@example.org"},
        HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.1",
        **proxy,
    )
    assert (first.status_code, second.status_code, forged.status_code) == (302, 302, 429)


def test_without_a_trusted_proxy_the_forwarded_header_is_never_believed(client, settings):
    settings.ACCOUNTS_FORMS_PER_IP_PER_HOUR = 1
    client.post("/compte/mot-de-passe/", {"email": "a@example.org"}, HTTP_X_FORWARDED_FOR="198.51.100.1")
    again = client.post("/compte/mot-de-passe/", {"email": "a@example.org"}, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert again.status_code == 429


def test_the_access_log_records_the_client_behind_the_proxy(settings, staff_client, citizen):
    from grc.audit.models import AccessLog

    settings.TRUSTED_PROXY_COUNT = 1
    staff_client.get(f"/backoffice/usagers/{citizen.pk}/", HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.1")
    assert AccessLog.objects.filter(citizen_id=citizen.pk).values_list("ip", flat=True).get() == "198.51.100.7"
