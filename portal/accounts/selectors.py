"""Reads of citizen-account records: an account's own profile, second factor and links (for the account
pages, always for the logged-in ``user``), and, by staff, the deletion requests (permission-filtered
in SQL, logged)."""

from django.contrib.auth import get_user_model
from django.db.models import Subquery
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Citizen
from portal.accounts.models import AccountDeletionRequest, CitizenProfile, OidcIdentity
from portal.accounts.perms import can_handle_deletion_requests

# --- The account's own records ---------------------------------------------------------------------


def profile_of(*, user) -> CitizenProfile | None:
    """The identity profile of the account ``user`` (``None`` before one was typed or received)."""
    return CitizenProfile.objects.filter(user=user).first()


def email_verified(*, user) -> bool:
    """Whether the account ``user`` has already verified its e-mail address."""
    return CitizenProfile.objects.filter(user=user, email_verified_at__isnull=False).exists()


def totp_enabled(*, user) -> bool:
    """Whether the account ``user`` has a confirmed TOTP device."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def oidc_identity_of(*, user) -> OidcIdentity | None:
    """The FranceConnect identity linked to the account ``user``, if any."""
    return OidcIdentity.objects.filter(user=user).first()


def is_linked(*, user) -> bool:
    """Whether the account ``user`` is linked to a citizen record (its identity is then the file's)."""
    return Citizen.objects.filter(user=user).exists()


def assurance_level(*, user) -> int:
    """The identity assurance level of a portal account: the higher of its citizen's and its profile's.

    The profile's level is what the account itself proved (e-mail verified, FranceConnect login); as
    in ``portal.accounts.linking``, FranceConnect counts only with the provider identity that earned it.
    """
    # One query for both levels (this runs on every procedure page a citizen opens or posts).
    citizen_level = Citizen.objects.filter(user=user).order_by("pk").values("assurance_level")[:1]
    profile_level = CitizenProfile.objects.filter(user=user).order_by("pk").values("assurance_level")[:1]
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(citizen_assurance=Subquery(citizen_level), profile_assurance=Subquery(profile_level))
        .first()
    ) or {}
    levels = [Citizen.Assurance.DECLARED]
    if row.get("citizen_assurance") is not None:
        levels.append(row["citizen_assurance"])
    if row.get("profile_assurance") is not None:
        level = row["profile_assurance"]
        if level >= Citizen.Assurance.FRANCECONNECT and not user.oidc_identities.exists():
            level = Citizen.Assurance.DOCUMENT_CHECKED
        levels.append(level)
    return max(levels)


def requester_identity(*, user, origin: str = "demande de suppression du compte") -> str:
    """The requester as the GDPR register stores them: the declared name, the account's address, the channel
    and ``origin`` (which portal page the request came from)."""
    profile = profile_of(user=user)
    if profile is not None:
        name = " ".join(filter(None, [profile.first_names.replace(",", ""), profile.usage_name or profile.birth_name]))
    else:
        name = user.get_full_name()
    lines = [name.strip(), user.email, f"Compte du portail ({origin})"]
    return "\n".join(line for line in lines if line)


# --- Deletion requests, by staff ---------------------------------------------------------------------


def deletion_requests_for(*, user, status: str | None = AccountDeletionRequest.Status.OPEN):
    """Deletion requests ``user`` may handle (none unless DPO), oldest first; ``status=None`` for all."""
    queryset = AccountDeletionRequest.objects.select_related("citizen", "handled_by").order_by("requested_at", "pk")
    if not can_handle_deletion_requests(user):
        return queryset.none()
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset


def deletion_request_get(*, user, pk: int, request=None) -> AccountDeletionRequest:
    """One deletion request, for the DPO only (404 otherwise); the read is written to the access log."""
    found = deletion_requests_for(user=user, status=None).filter(pk=pk).first()
    if found is None:
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.CITIZEN_VIEW,
        citizen=found.citizen,
        obj=found,
        purpose="demande de suppression de compte",
        request=request,
    )
    return found


def deletion_request_for_register(*, user, gdpr_request, request=None) -> AccountDeletionRequest | None:
    """The portal account deletion request behind a GDPR register entry, with its account and citizen,
    or ``None`` when the entry did not come from one. DPO only (404 otherwise); the read is logged."""
    if not can_handle_deletion_requests(user):
        raise Http404
    found = (
        AccountDeletionRequest.objects.select_related("user", "citizen", "handled_by")
        .filter(gdpr_request_id=gdpr_request.pk)
        .first()
    )
    if found is None:
        return None
    access_log_write(
        actor=user,
        action=AccessLog.Action.CITIZEN_VIEW,
        citizen=found.citizen,
        obj=found,
        purpose=f"demande de suppression de compte ({gdpr_request.reference})",
        request=request,
    )
    return found
