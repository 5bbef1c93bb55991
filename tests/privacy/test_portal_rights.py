"""A citizen exercises their GDPR rights from Mon espace ("Exercer mes droits"): the request lands in the DPO's
register at once (channel portal, legal deadline, citizen linked, the citizen's own words), an acknowledgement
goes by e-mail, and the citizen follows their requests."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from grc.models import Citizen
from privacy import emails as privacy_emails
from privacy import services as privacy_services
from privacy.models import GdprRequest, add_months
from privacy.retention import citizen_anonymise
from tests.accounts.factories import portal_account
from tests.bad_input import GARBAGE, no_500

pytestmark = pytest.mark.django_db

URL = "/mon-espace/mes-donnees/droits/"
DETAILS = "Mon adresse est fausse : j'habite 3 rue des Lilas à Vitré, pas à Fougères."


@pytest.fixture
def account(citizen):
    """A verified portal account linked to a citizen record."""
    user = portal_account(email="maryvonne.lefebvre@example.org")
    Citizen.objects.filter(pk=citizen.pk).update(user=user)
    return user


@pytest.fixture
def account_client(client, account):
    client.force_login(account)
    return client


def test_url_is_the_one_of_the_brief():
    assert reverse("espace:rights") == URL


@pytest.mark.parametrize("kind", GdprRequest.Kind.values)
def test_citizen_files_each_kind_and_the_dpo_sees_it_in_the_register(
    kind, account_client, account, citizen, dpo, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = account_client.post(URL, {"kind": kind, "details": DETAILS})
    assert response.status_code == 302
    assert response["Location"] == URL + "#mes-demandes"
    entry = GdprRequest.objects.get()
    today = timezone.localdate()
    assert (entry.kind, entry.channel, entry.status) == (kind, "portal", "received")
    assert (entry.received_on, entry.deadline) == (today, add_months(today, 1))
    assert entry.citizen == citizen
    assert entry.portal_account == account
    assert entry.details == DETAILS
    assert "maryvonne.lefebvre@example.org" in entry.requester_identity
    assert "Exercer mes droits" in entry.requester_identity
    # The history row is authored by the citizen's account.
    assert entry.history.get().history_user == account
    # The confirmation (PRG): the reference and the deadline.
    page = account_client.get(response["Location"]).content.decode()
    assert entry.reference in page
    assert entry.deadline.strftime("%d/%m/%Y") in page

    from tests.factories import verify_otp

    client.logout()
    dpo_client = verify_otp(client, dpo)
    register = dpo_client.get(reverse("backoffice:privacy_request_list")).content.decode()
    assert entry.reference in register
    detail = dpo_client.get(entry.get_absolute_url()).content.decode()
    assert "Précisions du demandeur" in detail
    assert "3 rue des Lilas à Vitré" in detail
    assert "Portail" in detail


def test_account_without_citizen_record_files_a_request(client, django_capture_on_commit_callbacks):
    user = portal_account(email="sans.fiche@example.org")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, {"kind": "access"}).status_code == 302
    entry = GdprRequest.objects.get()
    assert entry.citizen is None and entry.portal_account == user and entry.details == ""


def test_acknowledgement_email_is_sent_on_commit_without_the_details(
    account_client, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account_client.post(URL, {"kind": "rectification", "details": DETAILS})
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    entry = GdprRequest.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maryvonne.lefebvre@example.org"]
    assert entry.reference in message.subject
    assert entry.reference in message.body
    assert "Droit de rectification (art. 16)" in message.body
    assert entry.deadline.strftime("%d/%m/%Y") in message.body
    assert "délégué à la protection des données" in message.body
    assert "Lilas" not in message.body and "Lilas" not in message.subject


def test_no_email_when_the_transaction_rolls_back(account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        privacy_services.gdpr_request_from_portal(account=account, kind="access", requester_identity="M. L.")
    assert len(callbacks) == 1 and mail.outbox == []


def test_a_failing_mail_server_loses_nothing(account, django_capture_on_commit_callbacks, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(privacy_emails, "send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        entry = privacy_services.gdpr_request_from_portal(account=account, kind="access", requester_identity="M. L.")
    assert GdprRequest.objects.filter(pk=entry.pk).exists()


def test_second_open_request_of_the_same_kind_is_refused_naming_the_reference(account_client, account):
    assert account_client.post(URL, {"kind": "objection", "details": "Prospection"}).status_code == 302
    first = GdprRequest.objects.get()
    response = account_client.post(URL, {"kind": "objection", "details": "DEUXIEME-TEXTE"})
    assert response.status_code == 400
    page = response.content.decode()
    assert first.reference in page
    assert "déjà une demande en cours" in page
    assert "DEUXIEME-TEXTE" in page  # what was typed is kept
    assert GdprRequest.objects.count() == 1
    # Another kind is fine; a closed request of the same kind does not block a new one.
    assert account_client.post(URL, {"kind": "access"}).status_code == 302
    GdprRequest.objects.filter(pk=first.pk).update(status="answered", answered_on=timezone.localdate())
    assert account_client.post(URL, {"kind": "objection", "details": "Encore"}).status_code == 302
    assert GdprRequest.objects.filter(kind="objection").count() == 2


def test_service_refuses_the_duplicate_in_french(account):
    first = privacy_services.gdpr_request_from_portal(account=account, kind="access", requester_identity="M. L.")
    with pytest.raises(ValidationError) as error:
        privacy_services.gdpr_request_from_portal(account=account, kind="access", requester_identity="M. L.")
    assert first.reference in str(error.value)


@pytest.mark.parametrize("kind", ["rectification", "restriction", "objection"])
def test_details_are_required_to_rectify_restrict_or_object(kind, account_client):
    response = account_client.post(URL, {"kind": kind, "details": "   "})
    assert response.status_code == 400
    assert "Indiquez" in response.content.decode()
    assert not GdprRequest.objects.exists()


def test_details_are_optional_for_access_erasure_and_portability(account):
    for kind in ("access", "erasure", "portability"):
        entry = privacy_services.gdpr_request_from_portal(account=account, kind=kind, requester_identity="M. L.")
        assert entry.details == ""


def test_staff_cannot_file_for_themselves(staff_user, dpo):
    for user in (staff_user, dpo):
        with pytest.raises(PermissionDenied):
            privacy_services.gdpr_request_from_portal(account=user, kind="access", requester_identity="x")
    assert not GdprRequest.objects.exists()


def test_service_refuses_bad_details_and_kind(account):
    cases = [
        ({"kind": "access", "details": "x" * 5001}, "details"),
        ({"kind": "access", "details": "a\x00b"}, "details"),
        ({"kind": "delete_everything", "details": ""}, "kind"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationError) as error:
            privacy_services.gdpr_request_from_portal(account=account, requester_identity="M. L.", **values)
        assert field in error.value.message_dict
    assert not GdprRequest.objects.exists()


def test_too_long_nul_wrong_kind_and_garbage_never_500_and_keep_what_was_typed(account_client):
    typed = "TEXTE-SAISI-" + "é" * 20
    for values in (
        {"kind": "rectification", "details": typed + "x" * 5000},
        {"kind": "rectification", "details": typed + "\x00"},
        {"kind": "effacer-tout", "details": typed},
        {"details": typed},
    ):
        response = no_500(account_client.post(URL, values), values.get("kind"), allowed=(400,))
        assert typed in response.content.decode()
    for value in GARBAGE:
        no_500(account_client.post(URL, {"kind": value, "details": value}), value, allowed=(400,))
        no_500(account_client.post(URL, {"kind": "access", "details": value}), value, allowed=(302, 400))
        # A NUL in the query string is refused before the view (grc.middleware.UnstorableInputMiddleware).
        no_500(account_client.get(URL, {"kind": value}), value, allowed=(400,) if "\x00" in value else (200,))
    assert GdprRequest.objects.filter(kind="access").count() <= 1
    assert not GdprRequest.objects.exclude(kind="access").exists()


def test_an_empty_submit_says_what_is_missing(account_client):
    response = account_client.post(URL, {})
    assert response.status_code == 400
    assert "Choisissez le droit que vous souhaitez exercer." in response.content.decode()


def test_other_methods_are_refused(account_client):
    assert account_client.put(URL).status_code == 405


def test_staff_get_404_and_anonymous_go_to_login(client, staff_user, dpo):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert client.post(URL, {"kind": "access"}).status_code == 302
    from tests.factories import verify_otp

    for user in (staff_user, dpo):
        staff = verify_otp(client, user)
        assert staff.get(URL).status_code == 404
        assert staff.post(URL, {"kind": "access"}).status_code == 404
        client.logout()
    assert not GdprRequest.objects.exists()


def test_another_account_never_sees_someone_elses_entries(account, client, dpo):
    mine = privacy_services.gdpr_request_from_portal(account=account, kind="access", requester_identity="M. L.")
    # An entry the DPO recorded for the same citizen by post is not the account's own.
    by_post = privacy_services.gdpr_request_create(
        actor=dpo,
        kind="objection",
        requester_identity="Par courrier",
        received_on=timezone.localdate(),
        channel="mail",
        citizen=account.citizen,
    )
    other = portal_account(email="autre@example.org")
    client.force_login(other)
    page = client.get(URL).content.decode()
    assert mine.reference not in page and by_post.reference not in page
    assert "pas encore fait de demande" in page
    client.force_login(account)
    page = client.get(URL).content.decode()
    assert mine.reference in page and by_post.reference not in page


def test_list_shows_status_in_plain_words_without_the_details(account_client, account, dpo):
    entry = privacy_services.gdpr_request_from_portal(
        account=account, kind="rectification", details=DETAILS, requester_identity="M. L."
    )
    privacy_services.gdpr_request_transition(gdpr_request=entry, actor=dpo, to_status="answered")
    page = account_client.get(URL).content.decode()
    assert entry.reference in page
    assert "Droit de rectification (art. 16)" in page
    assert f"Traitée : réponse envoyée le {timezone.localdate():%d/%m/%Y}" in page
    assert "Lilas" not in page


def test_list_query_count_is_pinned(account_client, account, django_assert_num_queries):
    for kind in GdprRequest.Kind.values:
        privacy_services.gdpr_request_from_portal(
            account=account, kind=kind, details="Précisions", requester_identity="M. L."
        )
    account_client.get(URL)
    # Session, account, the account's entries, the portal menu (base template).
    with django_assert_num_queries(4):
        assert account_client.get(URL).status_code == 200


def test_data_page_links_to_the_rights_page(account_client):
    page = account_client.get(reverse("espace:data")).content.decode()
    assert URL in page
    assert "contactez le délégué" not in page


def test_anonymising_the_citizen_clears_the_details(account, citizen, dpo):
    entry = privacy_services.gdpr_request_from_portal(
        account=account, kind="rectification", details=DETAILS, requester_identity="M. L."
    )
    citizen_anonymise(citizen=citizen, actor=dpo, reason="test", refresh_search=False)
    entry.refresh_from_db()
    assert entry.details == ""
    assert not entry.history.exclude(details="").exists()


def test_dpo_edit_form_carries_the_details(account, client, dpo):
    from tests.factories import verify_otp

    entry = privacy_services.gdpr_request_from_portal(
        account=account, kind="rectification", details=DETAILS, requester_identity="M. L."
    )
    dpo_client = verify_otp(client, dpo)
    edit_url = reverse("backoffice:privacy_request_edit", args=[entry.pk])
    assert "3 rue des Lilas" in dpo_client.get(edit_url).content.decode()
    response = dpo_client.post(
        edit_url,
        {
            "kind": "rectification",
            "requester_identity": entry.requester_identity,
            "citizen": "",
            "received_on": entry.received_on.isoformat(),
            "channel": "portal",
            "owner": "",
            "notes": "",
            "details": "Adresse à corriger : 3 rue des Lilas",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.details == "Adresse à corriger : 3 rue des Lilas"
