"""Writes on citizen accounts: sign-up, e-mail verification, deletion request, OIDC (FranceConnect) login.

Accounts are created **inactive** and activated by the e-mail verification link: an address nobody
controls never gets an account that can log in, and ``ensure_citizen`` never sees an unverified e-mail.
Sign-up never tells whether an address already has an account (the page and the e-mail say the same
thing to everyone; the owner of the address learns it by e-mail).
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from grc.history import save_tracked
from grc.models import Citizen
from grc.models.citizens import first_name_of
from grc.scheduling import enqueue_on_commit
from portal.accounts.emails import account_deletion_notice_send, account_email_send, password_reset_send
from portal.accounts.models import AccountDeletionRequest, CitizenProfile, OidcIdentity
from portal.accounts.oidc import identity_from_claims
from portal.accounts.perms import can_handle_deletion_requests
from portal.accounts.selectors import requester_identity
from portal.accounts.tasks import account_sessions_end
from portal.accounts.verification import user_from_verification_token
from privacy.models import GdprRequest
from privacy.services import gdpr_request_open_for_account, gdpr_request_transition

logger = logging.getLogger(__name__)
User = get_user_model()

IDENTITY_FIELDS = ("birth_name", "usage_name", "first_names", "birth_date", "birth_place", "sex")


# --- E-mail verification ------------------------------------------------------------------------


def send_verification_email(*, user, site_url: str) -> None:
    """Have the worker send ``user`` their verification link once this commits."""
    _schedule_account_email(user, template="verify", site_url=site_url)


def _schedule_account_email(user, *, template: str, site_url: str) -> None:
    """Have the worker send ``template`` ("verify" or "exists") to ``user`` once this commits.

    Not in the request: building and sending an e-mail (and counting it per recipient) for some addresses
    and not others made the answer time tell which addresses have an account; a slow mail server held the
    page too. The queue carries the account's id, never the address.
    """
    enqueue_on_commit(
        account_email_send,
        user.pk,
        template,
        site_url,
        what=f"{template} e-mail of account {user.pk}",
        on_failure=lambda: None,  # the person asks for a new link (verify_resend) or signs up again
    )


def password_reset_schedule(*, user, domain: str, use_https: bool) -> None:
    """Have the worker send ``user`` a password reset link once this commits (``emails.password_reset_send``):
    made and sent in the request, it made a known address answer slower than an unknown one."""
    enqueue_on_commit(
        password_reset_send,
        user.pk,
        domain,
        use_https,
        what=f"password reset e-mail of account {user.pk}",
        on_failure=lambda: None,  # the person asks again
    )


@transaction.atomic
def account_verify_email(*, token: str):
    """Mark the account's e-mail verified and activate the account; idempotent for a verified one.

    An account already verified is left as it is: an old link never reactivates an account that was
    deactivated since (deletion request, agent decision).
    """
    user = user_from_verification_token(token=token)
    user = User.objects.select_for_update().get(pk=user.pk)
    profile = CitizenProfile.objects.select_for_update().filter(user=user).first()
    if profile is None or profile.email_verified_at is not None:
        return user
    profile.email_verified_at = timezone.now()
    profile.assurance_level = max(profile.assurance_level, Citizen.Assurance.EMAIL_VERIFIED)
    save_tracked(profile, user, "adresse électronique vérifiée")
    user.is_active = True
    save_tracked(user, user, "adresse électronique vérifiée", update_fields=["is_active"])
    return user


# --- Sign-up ------------------------------------------------------------------------------------


@transaction.atomic
def account_signup(*, email: str, password: str, identity: dict, site_url: str):
    """Create an inactive portal account with its identity profile and send the verification e-mail.

    For an address that already has an account nothing is created: an unverified account gets its
    verification link again, any other the "you already have an account" e-mail. Returns the new
    account or ``None``; callers show the same page either way.
    """
    email = User.objects.normalize_email(email).lower()
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown identity fields: {sorted(unknown)}")
    # Hashed whatever the address: the hash is most of a sign-up's time (a third of a second with the
    # production hasher), and hashing only for new addresses let the answer time tell known ones apart.
    password_hash = make_password(password)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        user = User(
            email=email,
            is_active=False,
            is_staff=False,
            first_name=first_name_of(identity.get("first_names"))[:150],
            last_name=(identity.get("usage_name") or identity.get("birth_name") or "")[:150],
            password=password_hash,
        )
        try:
            with transaction.atomic():
                save_tracked(user, None, "inscription sur le portail")
        except IntegrityError:  # the same address signed up concurrently
            existing = User.objects.get(email__iexact=email)
        else:
            profile = CitizenProfile(
                user=user,
                source=CitizenProfile.Source.SIGNUP,
                assurance_level=Citizen.Assurance.DECLARED,
                terms_accepted_at=timezone.now(),
                **{k: v for k, v in identity.items() if v is not None},
            )
            save_tracked(profile, user, "inscription sur le portail")
            send_verification_email(user=user, site_url=site_url)
            logger.info("portal account %s signed up", user.pk)
            return user
    profile = CitizenProfile.objects.filter(user=existing).first()
    unverified = (
        not existing.is_staff and not existing.is_active and profile is not None and not profile.email_verified
    )
    template = "verify" if unverified else "exists"
    _schedule_account_email(existing, template=template, site_url=site_url)
    return None


def resend_verification(*, email: str, site_url: str) -> None:
    """Send the verification link again to an unverified account; silent for any other address."""
    user = User.objects.filter(email__iexact=(email or "").strip(), is_staff=False, is_active=False).first()
    profile = CitizenProfile.objects.filter(user=user).first() if user else None
    if profile is not None and not profile.email_verified:
        send_verification_email(user=user, site_url=site_url)


# --- Deletion request ---------------------------------------------------------------------------

ERASED_EMAIL = "compte-supprime-{pk}@anonymise.invalid"


@transaction.atomic
def deletion_request_create(*, user, reason: str = "") -> AccountDeletionRequest:
    """Record the request, open its erasure entry (art. 17) in the GDPR register with the legal deadline,
    and deactivate the account at once (the caller logs it out).

    The citizen file is not touched: what may be erased, and when, is the DPO's decision (the social
    file has its own legal retention). An open request is not duplicated, nor its register entry.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    citizen = Citizen.objects.filter(user=user).first()
    request = AccountDeletionRequest.objects.filter(user=user, status=AccountDeletionRequest.Status.OPEN).first()
    changed = request is None
    if request is None:
        request = AccountDeletionRequest(user=user, email=user.email, citizen=citizen, reason=reason)
    if request.gdpr_request_id is None:
        request.gdpr_request = gdpr_request_open_for_account(
            account=user,
            kind=GdprRequest.Kind.ERASURE,
            requester_identity=requester_identity(user=user),
            citizen=request.citizen,
        )
        changed = True
    if changed:
        save_tracked(request, user, "demande de suppression du compte")
    user.is_active = False
    save_tracked(user, user, "demande de suppression du compte", update_fields=["is_active"])
    logger.info("portal account %s asked for deletion (request %s)", user.pk, request.pk)
    return request


def _check_handler(actor) -> None:
    if not can_handle_deletion_requests(actor):
        raise PermissionDenied


def _open_for_handling(deletion_request) -> AccountDeletionRequest:
    queryset = AccountDeletionRequest.objects.select_for_update(of=("self",)).select_related("gdpr_request")
    request = queryset.get(pk=deletion_request.pk)
    if request.status != AccountDeletionRequest.Status.OPEN:
        raise ValidationError(_("Cette demande a déjà été traitée."))
    return request


def _erase_account(user, *, actor, reason: str) -> None:
    """Anonymise the portal account ``user`` (tombstone address, no names, unusable password, inactive),
    rewrite its history, remove its identity profile, FranceConnect identities and second factors,
    unlink it from its citizen record (which is otherwise untouched), and have its sessions deleted
    by the worker once this commits (``tasks.account_sessions_end``: a scan of every session)."""
    tombstone = ERASED_EMAIL.format(pk=user.pk)
    user.email = tombstone
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    save_tracked(user, actor, reason)
    User.history.model.objects.filter(id=user.pk).update(email=tombstone, first_name="", last_name="")
    citizen = Citizen.objects.filter(user=user).first()
    if citizen is not None:
        # Only the link goes: the person may open a new account later and be linked to the same record.
        citizen.user = None
        save_tracked(citizen, actor, reason)
    for model in (CitizenProfile, OidcIdentity):
        model.objects.filter(user=user).delete()
        model.history.model.objects.filter(user_id=user.pk).delete()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user_id = user.pk
    transaction.on_commit(lambda: account_sessions_end.enqueue(user_id))


def _schedule_notice(request: AccountDeletionRequest) -> None:
    request_id = request.pk
    transaction.on_commit(lambda: account_deletion_notice_send.enqueue(request_id))


@transaction.atomic
def account_erase(*, deletion_request: AccountDeletionRequest, actor, note: str = "") -> AccountDeletionRequest:
    """Carry out a portal account deletion request (DPO only), in one transaction:

    * the account is anonymised (``_erase_account``): address replaced by a tombstone, names blanked,
      unusable password, inactive; identity profile, FranceConnect identities and TOTP devices
      removed (its sessions, already unusable, by the worker after commit); its citizen record is
      unlinked but **not** erased (the citizen file and the social file have their own legal
      retention; an erasure of those is a separate register entry);
    * the deletion request is closed *done* (who, when, note);
    * its GDPR register entry moves to *answered* (today);
    * the confirmation e-mail goes, after commit, to the address captured in the request.
    """
    _check_handler(actor)
    request = _open_for_handling(deletion_request)
    reference = request.gdpr_request.reference if request.gdpr_request_id else f"n° {request.pk}"
    reason = f"suppression du compte du portail ({reference})"
    user = User.objects.select_for_update().filter(pk=request.user_id).first() if request.user_id else None
    if user is not None:
        if user.is_staff or user.is_service_account:
            raise ValidationError(_("Ce compte n'est pas un compte du portail : il ne peut pas être supprimé ici."))
        _erase_account(user, actor=actor, reason=reason)
    request.status = AccountDeletionRequest.Status.DONE
    request.handled_by = actor
    request.handled_at = timezone.now()
    request.handling_note = (note or "").strip()
    save_tracked(request, actor, "compte supprimé")
    _close_register_entry(request, actor=actor, to_status="answered", reason="compte du portail supprimé")
    _schedule_notice(request)
    logger.info("portal account %s erased (deletion request %s)", request.user_id, request.pk)
    return request


@transaction.atomic
def deletion_request_refuse(*, deletion_request: AccountDeletionRequest, actor, reason: str) -> AccountDeletionRequest:
    """Refuse a portal account deletion request (DPO only) with the reason told to the citizen.

    The account stays as it is — deactivated since the request: nothing reactivates it automatically
    (the citizen asks for it, or an agent decides) — the request is closed *refused* with the reason,
    its register entry moves to *refused* with the same reason, and the citizen is told by e-mail.
    """
    _check_handler(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du refus, communiqué au demandeur.")})
    request = _open_for_handling(deletion_request)
    request.status = AccountDeletionRequest.Status.REFUSED
    request.handled_by = actor
    request.handled_at = timezone.now()
    request.handling_note = reason
    save_tracked(request, actor, "suppression refusée")
    _close_register_entry(request, actor=actor, to_status="refused", reason=reason)
    _schedule_notice(request)
    return request


def _close_register_entry(request: AccountDeletionRequest, *, actor, to_status: str, reason: str) -> None:
    gdpr_request = request.gdpr_request
    if gdpr_request is not None and gdpr_request.is_open:
        gdpr_request_transition(gdpr_request=gdpr_request, actor=actor, to_status=to_status, reason=reason)


def deletion_request_close(*, request: AccountDeletionRequest, actor, done: bool, note: str = ""):
    """Close a deletion request: ``done`` erases the account (``account_erase``), otherwise it is refused
    with ``note`` as the reason (``deletion_request_refuse``). DPO only."""
    if done:
        return account_erase(deletion_request=request, actor=actor, note=note)
    return deletion_request_refuse(deletion_request=request, actor=actor, reason=note)


# --- OIDC (FranceConnect-style) -----------------------------------------------------------------


class OidcRefused(Exception):
    """The OIDC identity cannot open a session here; ``message`` is shown to the citizen."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _profile_from_oidc(user, identity: dict, *, now) -> CitizenProfile:
    profile = CitizenProfile.objects.select_for_update().filter(user=user).first() or CitizenProfile(user=user)
    for name, value in identity.items():
        setattr(profile, name, value)
    profile.source = CitizenProfile.Source.OIDC
    profile.assurance_level = Citizen.Assurance.FRANCECONNECT
    if profile.email_verified_at is None:
        profile.email_verified_at = now
    save_tracked(profile, user, "identité reçue de FranceConnect")
    return profile


@transaction.atomic
def oidc_login(*, issuer: str, claims: dict, current_user=None):
    """The portal account for an OIDC identity (``claims`` = ID token + userinfo), created or linked.

    - a known ``(issuer, sub)`` logs into its account (refused if deactivated or staff);
    - a citizen already logged in with a password links the identity to their account;
    - otherwise, if the e-mail belongs to an existing account, the citizen must log in with their
      password first and link from there (an address from the provider never takes over an account);
    - otherwise a new active account is created.
    In every case the identity profile is refreshed from the claims with assurance FRANCECONNECT.
    """
    sub = str(claims.get("sub") or "")
    if not sub:
        raise OidcRefused(_("Le fournisseur d'identité n'a pas transmis d'identifiant."))
    identity = identity_from_claims(claims=claims)
    if not identity["birth_name"] or not identity["first_names"] or identity["birth_date"] is None:
        raise OidcRefused(_("Le fournisseur d'identité n'a pas transmis votre identité complète."))
    now = timezone.now()
    link = OidcIdentity.objects.select_for_update().filter(issuer=issuer, sub=sub).select_related("user").first()
    if link is not None:
        user = link.user
        if current_user is not None and current_user.is_authenticated and current_user.pk != user.pk:
            raise OidcRefused(_("Cette identité FranceConnect est déjà liée à un autre compte."))
    elif current_user is not None and current_user.is_authenticated:
        user = current_user
        if OidcIdentity.objects.filter(user=user, issuer=issuer).exists():
            raise OidcRefused(_("Votre compte est déjà lié à une autre identité FranceConnect."))
        link = OidcIdentity(user=user, issuer=issuer, sub=sub)
    else:
        email = User.objects.normalize_email(claims.get("email") or "").lower()
        if email and User.objects.filter(email__iexact=email).exists():
            raise OidcRefused(
                _(
                    "Un compte existe déjà avec l'adresse transmise par FranceConnect. Connectez-vous avec "
                    "votre mot de passe, puis liez FranceConnect depuis « Mon compte »."
                )
            )
        if not email:
            raise OidcRefused(_("Le fournisseur d'identité n'a pas transmis d'adresse électronique."))
        user = User(
            email=email,
            is_active=True,
            is_staff=False,
            first_name=first_name_of(identity["first_names"])[:150],
            last_name=(identity["usage_name"] or identity["birth_name"])[:150],
        )
        user.set_unusable_password()
        save_tracked(user, None, "création par FranceConnect")
        link = OidcIdentity(user=user, issuer=issuer, sub=sub)
    if user.is_staff:
        raise OidcRefused(_("Les agents se connectent avec leur mot de passe et leur second facteur."))
    if not user.is_active:
        raise OidcRefused(_("Ce compte est désactivé."))
    link.last_login_at = now
    save_tracked(link, user, "connexion FranceConnect")
    _profile_from_oidc(user, identity, now=now)
    logger.info("portal account %s logged in through OIDC", user.pk)
    return user


# --- TOTP ---------------------------------------------------------------------------------------


@transaction.atomic
def citizen_otp_disable(*, user) -> None:
    """Remove the citizen's TOTP device and backup codes (the view asked for the password first)."""
    if user.is_staff:
        raise ValueError("staff keep their second factor")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    logger.info("portal account %s disabled TOTP", user.pk)


# --- Identity profile -----------------------------------------------------------------------------


class ProfileLocked(Exception):
    """The identity can no longer be changed from the portal (linked file or FranceConnect identity)."""


@transaction.atomic
def profile_save(*, user, identity: dict) -> CitizenProfile:
    """Create or correct the identity of an account not yet linked to a citizen file.

    Once the account is linked, the file's identity is the agents' to change (the citizen asks them);
    an identity received from FranceConnect is refreshed at each FranceConnect login only.
    """
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown identity fields: {sorted(unknown)}")
    if user.is_staff:
        raise ValueError("staff accounts have no portal identity")
    profile = CitizenProfile.objects.select_for_update().filter(user=user).first()
    if Citizen.objects.filter(user=user).exists() or (
        profile is not None and profile.source == CitizenProfile.Source.OIDC
    ):
        raise ProfileLocked
    if profile is None:
        profile = CitizenProfile(user=user, source=CitizenProfile.Source.SIGNUP, terms_accepted_at=timezone.now())
        if user.is_active:
            # An active local account reached the portal through a verified address (or was created by staff).
            profile.email_verified_at = timezone.now()
            profile.assurance_level = Citizen.Assurance.EMAIL_VERIFIED
    for name, value in identity.items():
        setattr(profile, name, value)
    save_tracked(profile, user, "identité saisie sur le portail")
    return profile
