"""Citizens of the reference (``grc``) as search documents."""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse

from grc.models import Address, Citizen, ContactPoint

from .. import scope
from ..identifiers import nir_codes, phone_code
from ..registry import DocumentType, SearchDoc, register
from .fields import date_text

CITIZEN = "citizen"


def citizen_document(citizen: Citizen, addresses: list[Address], contacts: list[ContactPoint]) -> SearchDoc | None:
    """A citizen of the reference: names (birth, usage, first), birth date and place, addresses,
    phones, e-mails, NIR. A merged citizen has no document (its survivor has)."""
    if citizen.is_merged:
        return None
    current = [a for a in addresses if a.end_date is None] or addresses[:1]
    place = f"{current[0].postcode} {current[0].city}" if current else ""
    subtitle = " · ".join(
        p for p in (f"né(e) le {date_text(citizen.birth_date)}" if citizen.birth_date else "", place) if p
    )
    codes = nir_codes(citizen.nir)
    for contact in contacts:
        if contact.kind == ContactPoint.Kind.EMAIL:
            codes.append(contact.value.strip().lower())
        elif phone := phone_code(contact.value):
            codes.append(phone)
    body = [
        citizen.birth_name,
        citizen.usage_name,
        citizen.first_names,
        date_text(citizen.birth_date),
        citizen.birth_place,
        *(f"{a.line1} {a.line2} {a.postcode} {a.city}" for a in addresses),
        *(c.value for c in contacts),
    ]
    return SearchDoc(
        kind=CITIZEN,
        object_id=citizen.pk,
        title=citizen.display_name,
        subtitle=subtitle,
        body="\n".join(b for b in body if b),
        citizen_id=citizen.pk,
        names=citizen.search_name,
        phonetic=citizen.search_phonetic,
        codes=sorted(set(codes)),
        birth_date=citizen.birth_date,
        status=citizen.status,
        acl=[scope.IDENTITY],
        sort_date=citizen.updated_at,
    )


def _build_citizens(ids) -> list[SearchDoc]:
    citizens = list(Citizen.objects.filter(pk__in=ids).order_by("pk"))
    addresses, contacts = defaultdict(list), defaultdict(list)
    for a in Address.objects.filter(citizen_id__in=ids).order_by("-start_date", "-id"):
        addresses[a.citizen_id].append(a)
    for c in ContactPoint.objects.filter(citizen_id__in=ids).order_by("id"):
        contacts[c.citizen_id].append(c)
    return [d for c in citizens if (d := citizen_document(c, addresses[c.pk], contacts[c.pk]))]


def _active_citizens():
    return Citizen.objects.filter(status=Citizen.Status.ACTIVE)


register(
    DocumentType(
        kind=CITIZEN,
        model=Citizen,
        build=_build_citizens,
        url=lambda object_id: reverse("backoffice:citizen_detail", args=[object_id]),
        rank=10,
        citizen_field=None,
        rows=_active_citizens,
    )
)
