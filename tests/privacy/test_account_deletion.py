"""A citizen's portal account deletion request reaches the DPO's register, and is carried out from there."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from dossier_unique import services as dsu
from dossier_unique.models import Note
from grc.audit.models import AccessLog
from grc.models import Citizen
from portal.accounts.models import AccountDeletionRequest, CitizenProfile, OidcIdentity
from portal.accounts.services import account_erase, deletion_request_create, deletion_request_refuse
from privacy import services as privacy_services
from privacy.models import GdprRequest, add_months
from tests.accounts.factories import portal_account
from tests.factories import verify_otp

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(citizen):
    """A verified portal account with FranceConnect, TOTP, a live session, linked to a followed citizen."""
    user = portal_account(email="maryvonne.lefebvre@example.org", oidc_sub="fc-123")
    Citizen.objects.filter(pk=citizen.pk).update(user=user)
    TOTPDevice.objects.create(user=user, name="téléphone", confirmed=True)
    StaticDevice.objects.create(user=user, name="secours", confirmed=True)
    return user


@pytest.fixture
def asked(account, client):
    client.force_login(account)  # a session the erasure must end (the deletion view logs out the browser only)
    return deletion_request_create(user=account, reason="Je n'utilise plus le portail")


def _sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


def test_request_opens_an_erasure_entry_in_the_register(asked, account, citizen):
    entry = asked.gdpr_request
    today = timezone.localdate()
    assert (entry.kind, entry.channel, entry.status) == ("erasure", "portal", "received")
    assert (entry.received_on, entry.deadline) == (today, add_months(today, 1))
    assert entry.citizen == citizen
    assert "maryvonne.lefebvre@example.org" in entry.requester_identity
    assert "Maryvonne Anne Lefebvre" in entry.requester_identity
    assert entry.history.get().history_user == account


def test_asking_again_keeps_one_register_entry(account):
    first = deletion_request_create(user=account)
    second = deletion_request_create(user=account)
    assert first.pk == second.pk
    assert GdprRequest.objects.count() == 1


def test_erasing_the_account_keeps_the_social_file(
    asked, account, citizen, dpo, followed, worker_a, django_capture_on_commit_callbacks
):
    file, _accompaniment = followed
    dsu.note_write(file=file, author=worker_a, text="NOTE-A-GARDER", kind="entretien", visibility="file")
    identity_before = Citizen.objects.filter(pk=citizen.pk).values("birth_name", "first_names", "birth_date").get()
    assert _sessions_of(account) == 1

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(deletion_request=asked, actor=dpo, note="compte supprimé, dossier conservé")

    account.refresh_from_db()
    assert account.email == f"compte-supprime-{account.pk}@anonymise.invalid"
    assert (account.first_name, account.last_name, account.is_active) == ("", "", False)
    assert not account.has_usable_password()
    assert not account.history.filter(email="maryvonne.lefebvre@example.org").exists()
    assert not CitizenProfile.objects.filter(user=account).exists()
    assert not CitizenProfile.history.filter(user_id=account.pk).exists()
    assert not OidcIdentity.objects.filter(user=account).exists()
    assert not TOTPDevice.objects.filter(user=account).exists() and not StaticDevice.objects.filter(user=account)
    assert _sessions_of(account) == 0
    # The citizen record and the social file are untouched (only the link to the account goes).
    citizen.refresh_from_db()
    assert citizen.user_id is None
    assert Citizen.objects.filter(pk=citizen.pk).values("birth_name", "first_names", "birth_date").get() == (
        identity_before
    )
    assert Note.objects.filter(file=file, text="NOTE-A-GARDER").exists()
    # Both requests are closed, with who and when.
    asked.refresh_from_db()
    assert (asked.status, asked.handled_by, asked.handling_note) == ("done", dpo, "compte supprimé, dossier conservé")
    assert asked.handled_at is not None
    entry = asked.gdpr_request
    entry.refresh_from_db()
    assert (entry.status, entry.answered_on) == ("answered", timezone.localdate())
    assert entry.history.filter(history_user=dpo, status="answered").exists()
    # The confirmation goes to the address the citizen had when asking.
    assert [m.to for m in mail.outbox] == [["maryvonne.lefebvre@example.org"]]
    assert "supprimé" in mail.outbox[0].subject
    assert entry.reference in mail.outbox[0].body


def test_erasure_is_one_transaction(asked, account, dpo, monkeypatch):
    from portal.accounts import services

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "_close_register_entry", broken)
    with pytest.raises(RuntimeError):
        account_erase(deletion_request=asked, actor=dpo)
    account.refresh_from_db()
    asked.refresh_from_db()
    assert account.email == "maryvonne.lefebvre@example.org"
    assert asked.status == "open"


def test_refusal_needs_a_reason_and_reactivates_nothing(asked, account, dpo, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError):
        deletion_request_refuse(deletion_request=asked, actor=dpo, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        deletion_request_refuse(deletion_request=asked, actor=dpo, reason="Un recours est en cours sur ce compte.")
    asked.refresh_from_db()
    account.refresh_from_db()
    assert (asked.status, asked.handling_note) == ("refused", "Un recours est en cours sur ce compte.")
    assert asked.gdpr_request.status == "refused"
    assert asked.gdpr_request.refusal_reason == "Un recours est en cours sur ce compte."
    assert account.is_active is False and account.email == "maryvonne.lefebvre@example.org"
    assert mail.outbox[0].to == ["maryvonne.lefebvre@example.org"]
    assert "Un recours est en cours sur ce compte." in mail.outbox[0].body
    with pytest.raises(ValidationError):
        account_erase(deletion_request=asked, actor=dpo)


def test_only_the_dpo_handles_it(asked, staff_user):
    with pytest.raises(PermissionDenied):
        account_erase(deletion_request=asked, actor=staff_user)
    with pytest.raises(PermissionDenied):
        deletion_request_refuse(deletion_request=asked, actor=staff_user, reason="non")


def test_the_register_entry_cannot_be_closed_around_the_account(asked, dpo):
    with pytest.raises(ValidationError, match="Supprimer le compte"):
        privacy_services.gdpr_request_transition(gdpr_request=asked.gdpr_request, actor=dpo, to_status="answered")
    # Other steps of the workflow stay available.
    privacy_services.gdpr_request_transition(gdpr_request=asked.gdpr_request, actor=dpo, to_status="in_progress")


# --- screens ---------------------------------------------------------------------------------------


def test_register_list_marks_portal_account_entries(asked, dpo, client):
    dpo_client = verify_otp(client, dpo)
    response = dpo_client.get(reverse("backoffice:privacy_request_list"))
    assert response.status_code == 200
    assert asked.gdpr_request.reference in response.text
    assert "Compte portail" in response.text


def test_detail_shows_the_account_and_logs_the_read(asked, account, citizen, dpo, client):
    dpo_client = verify_otp(client, dpo)
    response = dpo_client.get(reverse("backoffice:privacy_request_detail", args=[asked.gdpr_request_id]))
    assert response.status_code == 200
    assert "maryvonne.lefebvre@example.org" in response.text
    assert "Supprimer le compte" in response.text
    assert "propre durée de conservation légale" in response.text
    # The citizen's full erasure is not offered from an account deletion entry.
    assert reverse("backoffice:privacy_erasure_execute", args=[asked.gdpr_request_id]) not in response.text
    assert AccessLog.objects.filter(actor=dpo, object_id=str(asked.pk), citizen_id=citizen.pk).exists()


def test_erase_from_the_screen_needs_the_confirmation(asked, account, dpo, client, django_capture_on_commit_callbacks):
    dpo_client = verify_otp(client, dpo)
    url = reverse("backoffice:privacy_account_erase", args=[asked.gdpr_request_id])
    response = dpo_client.post(url, {"note": "x"})
    assert response.status_code == 400
    assert "Cochez la case de confirmation" in response.text
    asked.refresh_from_db()
    assert asked.status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        response = dpo_client.post(url, {"confirm": "on", "note": "fait"})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == "done" and asked.gdpr_request.status == "answered"
    assert len(mail.outbox) == 1


def test_refuse_from_the_screen_needs_a_reason(asked, dpo, client):
    dpo_client = verify_otp(client, dpo)
    url = reverse("backoffice:privacy_account_refuse", args=[asked.gdpr_request_id])
    assert dpo_client.post(url, {"reason": ""}).status_code == 400
    assert dpo_client.post(url, {"reason": "Recours en cours"}).status_code == 302
    asked.refresh_from_db()
    assert asked.status == "refused"


def test_others_get_404(asked, staff_client):
    pk = asked.gdpr_request_id
    for name in ("privacy_request_detail",):
        assert staff_client.get(reverse(f"backoffice:{name}", args=[pk])).status_code == 404
    for name in ("privacy_account_erase", "privacy_account_refuse"):
        assert staff_client.post(reverse(f"backoffice:{name}", args=[pk]), {"confirm": "on"}).status_code == 404
    asked.refresh_from_db()
    assert asked.status == "open"


def test_actions_on_an_entry_without_account_are_404(dpo, client):
    entry = privacy_services.gdpr_request_create(
        actor=dpo,
        kind="erasure",
        requester_identity="Par courrier",
        received_on=timezone.localdate(),
        channel="mail",
    )
    dpo_client = verify_otp(client, dpo)
    url = reverse("backoffice:privacy_account_erase", args=[entry.pk])
    assert dpo_client.post(url, {"confirm": "on"}).status_code == 404


# --- data migration ----------------------------------------------------------------------------------


def test_migration_opens_entries_for_older_requests(account, dpo, monkeypatch):
    migration = importlib.import_module("portal.accounts.migrations.0003_deletion_requests_into_register")
    asked_on = timezone.now() - datetime.timedelta(days=40)
    old = AccountDeletionRequest.objects.create(user=account, email=account.email, status="open")
    handled = AccountDeletionRequest.objects.create(
        user=None, email="ancien@example.org", status="refused", handled_at=timezone.now(), handling_note="Recours"
    )
    AccountDeletionRequest.objects.filter(pk__in=[old.pk, handled.pk]).update(requested_at=asked_on)

    original_save = GdprRequest.save

    def save_as_in_a_migration(self, *args, **kwargs):
        # Historical models of a migration state send no signal: the migration writes the history row.
        self.skip_history_when_saving = True
        try:
            original_save(self, *args, **kwargs)
        finally:
            del self.skip_history_when_saving

    monkeypatch.setattr(GdprRequest, "save", save_as_in_a_migration)
    migration.forwards(django_apps, None)
    migration.forwards(django_apps, None)  # idempotent
    monkeypatch.undo()

    old.refresh_from_db()
    handled.refresh_from_db()
    received_on = timezone.localtime(asked_on).date()
    entry = old.gdpr_request
    assert (entry.kind, entry.channel, entry.status) == ("erasure", "portal", "received")
    assert (entry.received_on, entry.deadline) == (received_on, add_months(received_on, 1))
    assert entry.is_late()  # the honest deadline: already passed
    assert account.email in entry.requester_identity
    assert list(entry.history.values_list("history_type", "history_change_reason")) == [("+", migration.REASON)]
    assert (handled.gdpr_request.status, handled.gdpr_request.refusal_reason) == ("refused", "Recours")
    assert GdprRequest.objects.count() == 2


def test_an_account_deletion_entry_never_runs_a_full_erasure(asked, dpo, citizen):
    """The person asked to close their portal account: erasing their social file needs its own request."""
    from privacy.services import erasure_request

    with pytest.raises(ValidationError, match="Supprimer le compte"):
        erasure_request(gdpr_request=asked.gdpr_request, actor=dpo)
    citizen.refresh_from_db()
    assert citizen.birth_name != "Anonymisé"
    assert not asked.gdpr_request.erasures.exists()
