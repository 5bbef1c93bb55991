"""The DPO, and only the DPO, reads and closes account deletion requests."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from grc.audit.models import AccessLog
from portal.accounts.models import AccountDeletionRequest
from portal.accounts.selectors import deletion_request_get, deletion_requests_for
from portal.accounts.services import deletion_request_close, deletion_request_create
from tests.accounts.factories import portal_account

pytestmark = pytest.mark.django_db


def test_dpo_lists_opens_and_closes_a_request(dpo):
    request = deletion_request_create(user=portal_account(), reason="plus besoin")

    assert list(deletion_requests_for(user=dpo)) == [request]
    assert deletion_request_get(user=dpo, pk=request.pk) == request
    assert AccessLog.objects.filter(actor=dpo, object_id=str(request.pk)).exists()
    deletion_request_close(request=request, actor=dpo, done=True, note="compte supprimé, dossier conservé")

    request.refresh_from_db()
    assert (request.status, request.handled_by) == (AccountDeletionRequest.Status.DONE, dpo)
    assert list(deletion_requests_for(user=dpo)) == []


def test_other_staff_see_nothing_and_cannot_close(staff_user):
    request = deletion_request_create(user=portal_account())
    assert list(deletion_requests_for(user=staff_user, status=None)) == []
    with pytest.raises(Http404):
        deletion_request_get(user=staff_user, pk=request.pk)
    with pytest.raises(PermissionDenied):
        deletion_request_close(request=request, actor=staff_user, done=True)


def test_asking_twice_keeps_one_open_request():
    user = portal_account()
    deletion_request_create(user=user)
    deletion_request_create(user=user)
    assert AccountDeletionRequest.objects.filter(user=user).count() == 1


def test_closing_as_refused_needs_the_reason_and_keeps_the_account_off(dpo):
    from django.core.exceptions import ValidationError

    user = portal_account()
    request = deletion_request_create(user=user)
    with pytest.raises(ValidationError):
        deletion_request_close(request=request, actor=dpo, done=False)
    deletion_request_close(request=request, actor=dpo, done=False, note="Recours en cours")
    request.refresh_from_db()
    user.refresh_from_db()
    assert (request.status, request.gdpr_request.status) == ("refused", "refused")
    assert user.is_active is False


def test_erasure_ends_only_that_accounts_sessions_and_after_commit(dpo, django_capture_on_commit_callbacks):
    """The session scan runs in the worker once the erasure has committed, not inside its transaction."""
    from django.contrib.sessions.models import Session
    from django.test import Client

    from portal.accounts.services import account_erase

    user, other = portal_account(), portal_account()
    Client().force_login(user)
    Client().force_login(other)
    request = deletion_request_create(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(deletion_request=request, actor=dpo)
        assert Session.objects.count() == 2  # nothing ended before the commit
    owners = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert owners == [str(other.pk)]
