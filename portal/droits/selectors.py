"""Reads of « Estimer mes droits »: the communes to choose from, the portal procedure of a benefit, the places to
get help near a commune (public reference data, no user), and the account holder's own household for the
pre-filling (personal data: only for the logged-in citizen, only after their consent, one access-log row)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from demandes.perms import is_citizen_account
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Address, HouseholdMembership
from grc.selectors.territory import commune_get, commune_list, sector_site
from mednum.filters import LieuFilters
from mednum.selectors import lieux_search
from portal.models import ProcedurePage

HELP_RADII_KM = (15, 40)
HELP_PLACES = 3


def commune_choices() -> list[tuple[str, str]]:
    """The communes of Ille-et-Vilaine as ``(INSEE code, "Name (postcodes)")``, by name: one narrow query."""
    rows = commune_list().order_by("name").values_list("code", "name", "postcodes")
    return [(code, f"{name} ({', '.join(postcodes or [])})" if postcodes else name) for code, name, postcodes in rows]


def procedure_urls(*, slugs) -> dict[str, str]:
    """The URL of each live portal procedure among ``slugs`` (a slug without a live page is left out)."""
    wanted = [slug for slug in slugs if slug]
    if not wanted:
        return {}
    return {page.slug: page.url for page in ProcedurePage.objects.live().filter(slug__in=wanted).specific()}


def help_near(*, commune_code: str) -> dict:
    """Where to get help near a commune: its CDAS (sector) and the nearest published lieux de médiation
    numérique (within 15 km, else 40 km), with the radius used for the map link."""
    commune = commune_get(commune_code) if commune_code else None
    if commune is None:
        return {"commune": None, "cdas": None, "places": [], "radius": None}
    places, radius = [], None
    for radius in HELP_RADII_KM:
        places = lieux_search(filters=LieuFilters(commune=commune, radius_km=radius))[:HELP_PLACES]
        if places:
            break
    return {"commune": commune, "cdas": sector_site(commune=commune), "places": places, "radius": radius}


def _age(birth_date: datetime.date | None, today: datetime.date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def my_household_for_estimate(*, user, http_request=None) -> dict | None:
    """The logged-in citizen's own household, as the questionnaire's raw answers (step 1: ages only; step 4:
    the commune of their current address), or None when the account has no citizen record.

    Called only after the person ticked the consent box; one ``CITIZEN_SELF_VIEW`` access-log row says the
    account read its record for this purpose. Members without a birth date are left out (``missing`` counts
    them, so the page can say so). No name leaves this function."""
    citizen = getattr(user, "citizen", None) if is_citizen_account(user) else None
    if citizen is None:
        return None
    today = timezone.localdate()
    memberships = list(
        HouseholdMembership.objects.filter(citizen=citizen, end_date__isnull=True).values_list("household_id", "role")
    )
    household_ids = [household_id for household_id, _role in memberships]
    others = (
        HouseholdMembership.objects.filter(household_id__in=household_ids, end_date__isnull=True)
        .exclude(citizen=citizen)
        .values_list("citizen_id", "role", "citizen__birth_date")
        .order_by("pk")
    )
    spouse_age, children, adults, missing, seen = None, [], [], 0, set()
    own_role = memberships[0][1] if memberships else ""
    for other_id, role, birth_date in others:
        if other_id in seen:
            continue
        seen.add(other_id)
        age = _age(birth_date, today)
        if age is None:
            missing += 1
        elif role == "conjoint" or (role == "declarant" and own_role == "conjoint"):
            spouse_age = age
        elif (role == "enfant" and age <= 25) or age < 18:
            children.append(age)
        else:
            adults.append(age)
    address = (
        Address.objects.filter(citizen=citizen, end_date__isnull=True)
        .order_by("-start_date", "-pk")
        .values_list("insee_code", flat=True)
        .first()
    )
    access_log_write(
        actor=user,
        action=AccessLog.Action.CITIZEN_SELF_VIEW,
        citizen=citizen,
        object_type="grc.citizen",
        object_id=citizen.pk,
        purpose="pré-remplissage de l'estimation des droits (avec consentement)",
        request=http_request,
    )
    foyer = {
        "couple": "couple" if spouse_age is not None else "seul",
        "age": str(_age(citizen.birth_date, today) or ""),
        "age_conjoint": "" if spouse_age is None else str(spouse_age),
        "ages_enfants": ", ".join(str(a) for a in children),
        "ages_autres": ", ".join(str(a) for a in adults),
    }
    commune = commune_get(address) if address else None
    return {"foyer": foyer, "commune": commune.code if commune else "", "missing": missing}
