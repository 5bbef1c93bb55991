"""Anonymising a citizen that nothing kept needs any more, keeping what statistics need.

After each per-object purpose, a citizen left with nothing (no row of any registered purpose still
needing the identity: a social file still kept, a request, a letter, an active account) is anonymised:
names "Anonymisé", birth date → 1 January of the birth year, NIR, birth place and contact points
removed, address lines removed (postcode, commune and INSEE code kept), household memberships kept
(role, dates). The same goes for records merged into it, and for their history rows.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.db import transaction
from django.db.models import DateField, Exists, Func, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Cast, ExtractYear
from django.utils import timezone

from grc import retention_registry
from grc.history import save_tracked
from grc.matching.names import normalised_fields
from grc.models import Address, Citizen, CitizenMerge, ContactPoint, DuplicateSuspicion, Household, HouseholdMembership
from grc.retention_registry import ANONYMISED, ANONYMISED_NAME, history_model

from ..models import AccessArchive, GdprRequest, RetentionDone
from .forget import delete_files, search_forget


def not_done(queryset, purpose: str):
    """``queryset`` without the rows the purpose already processed."""
    return queryset.exclude(Exists(RetentionDone.objects.filter(purpose=purpose, object_id=OuterRef("pk"))))


def citizen_is_unused(citizen_id: int) -> bool:
    """True when nothing kept needs the identity: no row of a registered purpose still held for the citizen
    or a record merged into it (a social file still kept, a request, a letter, an active portal account)."""
    ids = [citizen_id, *Citizen.objects.filter(merged_into_id=citizen_id).values_list("pk", flat=True)]
    for purpose in retention_registry.purposes():
        holds = purpose.holds or purpose.of_citizens
        if holds is not None and not_done(holds(ids), purpose.key).exists():
            return False
    return True


def _make_date_of_year():
    year = Cast(ExtractYear("birth_date"), IntegerField())
    return Func(year, Value(1), Value(1), function="make_date", output_field=DateField())


def _merged_ids(citizen: Citizen) -> list[int]:
    ids = [citizen.pk]
    frontier = [citizen.pk]
    while frontier:
        frontier = [
            pk
            for pk in Citizen.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
            if pk not in ids
        ]
        ids.extend(frontier)
    return ids


def _anonymise_identity(ids, *, actor, reason) -> None:
    derived = normalised_fields(birth_name=ANONYMISED_NAME, usage_name="", first_names=ANONYMISED)
    anonymous = {
        "birth_name": ANONYMISED_NAME,
        "usage_name": "",
        "first_names": ANONYMISED,
        "birth_place": "",
        "birth_place_code": "",
        "nir": "",
        **derived,
    }
    # Unlink portal accounts first (one account, one citizen); the account rule closes them.
    for person in Citizen.objects.filter(pk__in=ids).order_by("-pk"):
        for name, value in anonymous.items():
            setattr(person, name, value)
        if person.birth_date is not None:
            person.birth_date = datetime.date(person.birth_date.year, 1, 1)
        person.user = None
        save_tracked(person, actor, reason)
    for address in Address.objects.filter(citizen_id__in=ids):
        address.line1 = ""
        address.line2 = ""
        save_tracked(address, actor, reason)
    ContactPoint.objects.filter(citizen_id__in=ids).delete()
    # History: the old values must not survive in historical rows.
    history_model(Citizen).objects.filter(id__in=ids).update(
        **anonymous, user_id=None, birth_date=_make_date_of_year()
    )
    history_model(Address).objects.filter(citizen_id__in=ids).update(line1="", line2="")
    history_model(ContactPoint).objects.filter(citizen_id__in=ids).delete()


def _anonymise_around(ids, *, actor, reason) -> None:
    """What quotes the identity around the citizen's rows: merges, duplicate suspicions, household labels."""
    merges = Q(source_id__in=ids) | Q(target_id__in=ids)
    CitizenMerge.objects.filter(merges).update(target_before={}, field_choices={}, reason=ANONYMISED)
    history_model(CitizenMerge).objects.filter(merges).update(target_before={}, field_choices={}, reason=ANONYMISED)
    # Duplicate suspicions: the matching reasons and the decision note may quote the identity.
    suspicions = Q(citizen_a_id__in=ids) | Q(citizen_b_id__in=ids)
    DuplicateSuspicion.objects.filter(suspicions).update(reasons=[], decision_note="")
    history_model(DuplicateSuspicion).objects.filter(suspicions).update(reasons=[], decision_note="")
    # A household label usually carries family names: cleared once every member is anonymised.
    household_ids = set(HouseholdMembership.objects.filter(citizen_id__in=ids).values_list("household_id", flat=True))
    still_named = set(
        HouseholdMembership.objects.filter(household_id__in=household_ids)
        .exclude(citizen__birth_name=ANONYMISED_NAME)
        .values_list("household_id", flat=True)
    )
    for household in Household.objects.filter(pk__in=household_ids - still_named).exclude(label=""):
        household.label = ""
        save_tracked(household, actor, reason)
    history_model(Household).objects.filter(id__in=household_ids - still_named).update(label="")


def _anonymise_privacy_rows(ids) -> None:
    # The requester's own words (what to correct, what they object to) go with their identity.
    GdprRequest.objects.filter(citizen_id__in=ids).update(requester_identity=ANONYMISED, details="")
    history_model(GdprRequest).objects.filter(citizen_id__in=ids).update(requester_identity=ANONYMISED, details="")
    # Access-right archives sent to this person hold a full copy of their data: the bytes go (after
    # commit), the row stays as the proof of the answer (date, SHA-256).
    archives = list(AccessArchive.objects.filter(citizen_id__in=ids).exclude(content=""))
    names = [(a.content.storage, a.content.name) for a in archives]
    AccessArchive.objects.filter(pk__in=[a.pk for a in archives]).update(content="", purged_at=timezone.now())
    history_model(AccessArchive).objects.filter(citizen_id__in=ids).update(content="")
    transaction.on_commit(lambda: delete_files(names))


def citizen_anonymise(*, citizen: Citizen, actor, reason: str, refresh_search: bool = True) -> list[int]:
    """Anonymise a citizen (and the records merged into it) keeping what statistics need, rewrite their
    history, delete contact points and refresh their search documents (callers anonymising many at
    once pass ``refresh_search=False`` and refresh them together). Returns the anonymised ids."""
    ids = _merged_ids(citizen)
    _anonymise_identity(ids, actor=actor, reason=reason)
    _anonymise_around(ids, actor=actor, reason=reason)
    _anonymise_privacy_rows(ids)
    if refresh_search:
        search_forget(citizen_ids=ids)
    return ids


def anonymise_unused(citizen_ids, *, actor, reason, counts: Counter) -> None:
    """Anonymise those of ``citizen_ids`` that nothing needs any more (``citizen_is_unused``)."""
    anonymised = []
    for citizen_id in sorted(set(filter(None, citizen_ids))):
        citizen = Citizen.objects.filter(pk=citizen_id, status=Citizen.Status.ACTIVE).first()
        if citizen is None or citizen.birth_name == ANONYMISED_NAME:
            continue
        if citizen_is_unused(citizen_id):
            anonymised += citizen_anonymise(citizen=citizen, actor=actor, reason=reason, refresh_search=False)
    counts["citizens_anonymised"] += len(anonymised)
    if anonymised:
        search_forget(citizen_ids=anonymised)
