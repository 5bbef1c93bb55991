"""Linking a portal account to the citizen reference.

``ensure_citizen(user, actor=None)`` returns the ``Citizen`` of a portal account, linking the account to
an existing file only on strong evidence and creating a new file otherwise.

The rule (also in docs/portal.md, "Accounts"):

1. An account already linked keeps its citizen (a merged one is followed to the file kept).
2. Candidates come from the foundation's matching (``grc.matching.candidates.match``) on the account's identity.
   A candidate is an **exact match** when, on normalised values, its birth name, its first names (all
   of them, in order) and its birth date are equal to the account's, and its sex does not contradict.
   Birth place: for an OIDC (FranceConnect) identity the INSEE codes must be equal when the file has
   one; for any other account the birth place (name or INSEE code) must be known on both sides and equal.
3. The account is linked automatically only when exactly one active, not-yet-linked citizen is an
   exact match **and** the evidence is strong:
   - the account holds an OIDC (FranceConnect) identity (assurance FRANCECONNECT), or
   - the account's identity was checked on a document (assurance DOCUMENT_CHECKED), or
   - the account's e-mail is verified and that same e-mail address is already recorded on the file
     (a contact point typed by an agent): whoever controls it is very likely the person the file is about.
   A verified e-mail alone is **not** enough to take over a file that already exists: anyone can type
   a neighbour's name and birth date.
4. Otherwise a new citizen is created from the account's identity (assurance = the account's level, its
   e-mail as a contact point), and every candidate scoring at or above the foundation's suspicion
   threshold (``grc.matching.candidates.SUSPICION_THRESHOLD``) becomes an open duplicate suspicion for staff to
   review and merge (the merge moves the account link). A file already linked to another account, a
   homonym or a twin is therefore never given to this account.
5. Linking raises the file's assurance level to the account's when that is higher (FranceConnect).

The account row is locked for the whole call: two concurrent first submissions create one citizen.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grc.history import save_tracked
from grc.matching.candidates import SUSPICION_THRESHOLD, IdentityQuery, match
from grc.matching.names import fold, normalise_first_names, normalise_name
from grc.models import Citizen, ContactPoint
from grc.services.citizens import citizen_create
from grc.services.suspicions import suspicion_record
from portal.accounts.models import CitizenProfile

_MAX_MERGE_HOPS = 10


class IdentityIncomplete(ValidationError):
    """The account has no identity to look for (no ``CitizenProfile``): send the citizen to
    ``accounts:identity`` (``/compte/identite/?next=...``) to type it."""


def _followed(citizen: Citizen) -> Citizen:
    for _hop in range(_MAX_MERGE_HOPS):
        if not citizen.is_merged or citizen.merged_into_id is None:
            break
        citizen = Citizen.objects.get(pk=citizen.merged_into_id)
    return citizen


def _sex_compatible(a: str, b: str) -> bool:
    return a not in ("F", "M") or b not in ("F", "M") or a == b


def _place_matches(profile: CitizenProfile, citizen: Citizen, *, oidc: bool) -> bool:
    if profile.birth_place_code and citizen.birth_place_code:
        return profile.birth_place_code == citizen.birth_place_code
    if oidc:
        # FranceConnect gives the INSEE code only; a file without one neither confirms nor contradicts.
        return True
    mine, theirs = fold(profile.birth_place), fold(citizen.birth_place)
    return bool(mine) and mine == theirs


def is_exact_match(profile: CitizenProfile, citizen: Citizen, *, oidc: bool) -> bool:
    """Whether ``citizen`` has exactly the identity of the account (see the module docstring, rule 2)."""
    return (
        normalise_name(profile.birth_name) == citizen.norm_birth_name
        and normalise_first_names(profile.first_names) == citizen.norm_first_names
        and profile.birth_date == citizen.birth_date
        and _sex_compatible(profile.sex, citizen.sex)
        and _place_matches(profile, citizen, oidc=oidc)
    )


def _file_knows_email(citizen: Citizen, email: str) -> bool:
    return ContactPoint.objects.filter(citizen=citizen, kind=ContactPoint.Kind.EMAIL, value__iexact=email).exists()


def _strong_evidence(user, profile: CitizenProfile, citizen: Citizen, *, oidc: bool) -> bool:
    if oidc or profile.assurance_level >= Citizen.Assurance.DOCUMENT_CHECKED:
        return True
    return profile.email_verified and _file_knows_email(citizen, user.email)


def _query(profile: CitizenProfile) -> IdentityQuery:
    return IdentityQuery(
        birth_name=profile.birth_name,
        usage_name=profile.usage_name,
        first_names=profile.first_names,
        birth_date=profile.birth_date,
        birth_place=profile.birth_place,
        sex=profile.sex if profile.sex in ("F", "M") else "",
    )


def _link(*, user, citizen: Citizen, level: int, actor) -> Citizen:
    citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
    citizen.user = user
    fields = ["user", "updated_at"]
    if level > citizen.assurance_level:
        citizen.assurance_level = level
        fields.append("assurance_level")
    save_tracked(citizen, actor, "compte du portail lié", update_fields=fields)
    return citizen


def _create(*, user, profile: CitizenProfile, level: int, actor) -> Citizen:
    contacts = [
        {
            "kind": ContactPoint.Kind.EMAIL,
            "value": user.email,
            "is_primary": True,
            "verified_at": profile.email_verified_at,
        }
    ]
    identity = {
        "birth_name": profile.birth_name,
        "usage_name": profile.usage_name,
        "first_names": profile.first_names,
        "birth_date": profile.birth_date,
        "birth_place": profile.birth_place,
        "birth_place_code": profile.birth_place_code,
        "sex": profile.sex or Citizen.Sex.UNKNOWN,
        "assurance_level": level,
    }
    citizen = citizen_create(actor=actor, contacts=contacts, **identity)
    citizen.user = user
    save_tracked(citizen, actor, "créé depuis le compte du portail", update_fields=["user"])
    return citizen


@transaction.atomic
def ensure_citizen(user, *, actor=None) -> Citizen:
    """The citizen of portal account ``user``: its linked one, an exact match on strong evidence, or a new one.

    See the module docstring for the rule. ``actor`` is recorded in the history (default: the account
    itself). Raises ``IdentityIncomplete`` (a ``ValidationError``) when the account has no identity
    profile, ``ValueError`` for a staff account.
    """
    if user.is_staff:
        raise ValueError("staff accounts are not portal accounts")
    actor = actor or user
    # Lock the account: two concurrent calls for one account must not create two citizens.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    linked = Citizen.objects.filter(user=user).first()
    if linked is not None:
        return _followed(linked)

    profile = CitizenProfile.objects.filter(user=user).first()
    if profile is None:
        raise IdentityIncomplete(_("Complétez votre identité avant de déposer une demande."))
    oidc = profile.assurance_level >= Citizen.Assurance.FRANCECONNECT and user.oidc_identities.exists()
    # FRANCECONNECT is only ever worth it with the OIDC identity that earned it.
    level = profile.assurance_level if oidc else min(profile.assurance_level, Citizen.Assurance.DOCUMENT_CHECKED)

    candidates = match(_query(profile), limit=10)
    by_id = Citizen.objects.in_bulk([c.citizen_id for c in candidates])
    exact = [
        by_id[c.citizen_id]
        for c in candidates
        if c.citizen_id in by_id and is_exact_match(profile, by_id[c.citizen_id], oidc=oidc)
    ]
    free_exact = [c for c in exact if c.user_id is None and c.status == Citizen.Status.ACTIVE]
    if len(exact) == 1 and len(free_exact) == 1 and _strong_evidence(user, profile, free_exact[0], oidc=oidc):
        return _link(user=user, citizen=free_exact[0], level=level, actor=actor)

    citizen = _create(user=user, profile=profile, level=level, actor=actor)
    for candidate in candidates:
        if candidate.score >= SUSPICION_THRESHOLD:
            suspicion_record(a=citizen, b=candidate.citizen_id, score=candidate.score, reasons=candidate.reasons)
    return citizen
