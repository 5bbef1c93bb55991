"""Outgoing letters put in the citizen's Mon espace without an online request: a letter written from a
social file reaches the portal account linked to the citizen; "Mes documents" lists it with its PDF;
another account gets a 404; a citizen without a portal account is refused in French, nothing saved."""

from __future__ import annotations

import httpx
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grc.audit.models import AccessLog
from tests.api_http.conftest import FLUSHABLE_APPS
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory
from tests.requests.factories import citizen_account
from travail import letters_selectors as selectors
from travail import letters_services as services
from travail.models import OutgoingLetter

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(team_a, worker_a):
    """A citizen with a portal account and a social file in team A (no request)."""
    account, citizen = citizen_account()
    file, _ = open_file(citizen=citizen, team=team_a, actor=worker_a)
    return account, citizen, file


def _letter(worker, team, file, subject="Rendez-vous du 12", to_portal=True):
    return services.outgoing_letter_create(
        actor=worker, team=team, subject=subject, body="Bonjour {{ nom }},\n\nà bientôt.", file=file,
        to_portal=to_portal,
    )  # fmt: skip


def test_a_file_only_letter_goes_to_mon_espace_and_its_pdf_downloads(client, team_a, worker_a, linked):
    account, citizen, file = linked
    letter = _letter(worker_a, team_a, file)
    assert letter.portal_published_at is not None and letter.portal_message_id is None
    assert letter.history.first().history_change_reason == "courrier déposé dans Mon espace"
    assert letter.history.first().history_user == worker_a
    # Once only: a second deposit changes nothing.
    published_at = letter.portal_published_at
    assert services.outgoing_letter_to_portal(letter=letter, actor=worker_a).portal_published_at == published_at
    # A letter not put there is not listed.
    _letter(worker_a, team_a, file, subject="Note interne", to_portal=False)

    client.force_login(account)
    body = client.get(reverse("espace:documents")).content.decode()
    assert letter.reference in body and "Rendez-vous du 12" in body and team_a.name in body
    assert "Note interne" not in body
    url = reverse("espace:letter_download", args=[letter.pk])
    assert url in body
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="courrier-{letter.reference}.pdf"'
    log = AccessLog.objects.filter(actor=account, citizen_id=citizen.pk).latest("id")
    assert (log.action, log.object_id) == (AccessLog.Action.CITIZEN_SELF_VIEW, str(letter.pk))


def test_another_account_and_staff_get_404_on_the_letter(client, team_a, worker_a, linked):
    _account, _citizen, file = linked
    letter = _letter(worker_a, team_a, file)
    other, _ = citizen_account()
    client.force_login(other)
    assert client.get(reverse("espace:letter_download", args=[letter.pk])).status_code == 404
    assert letter.reference not in client.get(reverse("espace:documents")).content.decode()
    assert list(selectors.portal_letters(user=worker_a)) == []  # an agent is nobody's Mon espace


def test_a_citizen_without_portal_account_is_refused_in_french_and_nothing_saved(team_a, worker_a):
    citizen = CitizenFactory()
    file, _ = open_file(citizen=citizen, team=team_a, actor=worker_a)
    with pytest.raises(ValidationError) as error:
        _letter(worker_a, team_a, file)
    assert error.value.messages == ["Cette personne n'a pas de compte sur le portail."]
    assert not OutgoingLetter.objects.exists()
    # A letter written without the portal cannot be put there afterwards either, and stays as it was.
    letter = _letter(worker_a, team_a, file, to_portal=False)
    with pytest.raises(ValidationError):
        services.outgoing_letter_to_portal(letter=letter, actor=worker_a)
    letter.refresh_from_db()
    assert letter.portal_published_at is None and letter.history.count() == 1


def test_documents_page_query_count_does_not_grow_with_letters(
    client, team_a, worker_a, linked, django_assert_max_num_queries
):
    account, _citizen, file = linked
    for n in range(6):
        _letter(worker_a, team_a, file, subject=f"Courrier {n}")
    client.force_login(account)
    # Session, user, citizen check, attachments, letters (+ team joined) and the page's own reads: 9,
    # whatever the number of letters.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("espace:documents"))
    assert response.content.decode().count("Courrier ") >= 6


@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_the_pdf_over_a_live_server(live_server, client, team_a, worker_a, linked):
    """The download through a real HTTP client, with the session cookie of a logged-in citizen."""
    account, _citizen, file = linked
    letter = _letter(worker_a, team_a, file)
    client.force_login(account)
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    url = live_server.url + reverse("espace:letter_download", args=[letter.pk])
    response = httpx.get(url, cookies=cookies)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    assert httpx.get(url).status_code in (302, 404)  # anonymous: never the letter
