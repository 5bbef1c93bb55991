"""Reads of the annuaire.

Structures and services are public data (published for everyone, open data): reading them needs no right and
writes no access log. What is personal — who represents a structure, who proposed a change — is read through
the moderation selectors, which take the user, check ``annuaire.perms`` (404 otherwise) and log the access.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import F, FloatField, Prefetch, Q, QuerySet, Value
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.http import Http404

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Address, Commune
from grc.selectors.territory import EARTH_RADIUS_KM, commune_for_postcode, commune_get, distance_km

from . import perms, schema
from .models import ImportRun, PendingChange, Representative, Service, Structure

MAX_RADIUS_KM = 200
# A commune's boundary (about 1 KB of GeoJSON) is for maps: never loaded with the records that point to it.
HEAVY = ("commune__boundary",)
THEMATIQUE_VALUES = tuple(member.value for member in schema.Thematique)
LIST_LIMIT = 500
# The purpose written in the access log for each moderation list (what the agent was shown, and why).
PURPOSES = {
    "rattachements": "demandes de rattachement en attente",
    "propositions": "propositions de modification en attente",
}


def structures_public() -> QuerySet[Structure]:
    """Every published structure (public), by name."""
    return Structure.objects.select_related("commune").defer(*HEAVY).order_by("nom", "pk")


def services_public() -> QuerySet[Service]:
    """Every published service (public) with its structure, by name."""
    return Service.objects.select_related("structure", "commune").defer(*HEAVY).order_by("nom", "pk")


# What a search's results show of a service's structure and commune (the list, the orientation screen, the API's
# v1 items): the rest of those rows is not read, which makes each search's query cheaper to build and to decode
# (bench/annuaire.py: p95 about a fifth lower). The portal's pinned query counts catch a field read beyond these.
SEARCH_RELATED_FIELDS = ("structure__nom", "structure__di_id", "structure__adresse", "commune__name")


def _services_for_search() -> QuerySet[Service]:
    fields = [field.name for field in Service._meta.concrete_fields]
    queryset = Service.objects.select_related("structure", "commune").only(*fields, *SEARCH_RELATED_FIELDS)
    return queryset.order_by("nom", "pk")


def structure_get_public(pk) -> Structure:
    """One structure with its services (public); ``Http404`` when unknown."""
    structure = (
        Structure.objects.select_related("commune")
        .defer(*HEAVY)
        .prefetch_related(Prefetch("services", queryset=Service.objects.order_by("nom")))
        .filter(pk=pk)
        .first()
    )
    if structure is None:
        raise Http404
    return structure


def service_get_public(pk) -> Service:
    """One service with its structure (public); ``Http404`` when unknown."""
    service = services_public().filter(pk=pk).first()
    if service is None:
        raise Http404
    return service


@dataclass(frozen=True)
class Hit:
    service: Service
    distance_km: float | None


def _distance_sql(lat: float, lon: float):
    """The great-circle distance to (lat, lon) in SQL, the formula of ``grc.selectors.territory.distance_km``:
    the database sorts and cuts the list, so a wide search no longer builds every service of the circle."""
    lat1, lon1 = Value(math.radians(lat), FloatField()), Value(math.radians(lon), FloatField())
    lat2, lon2 = Radians(F("latitude")), Radians(F("longitude"))
    h = Power(Sin((lat2 - lat1) / 2), 2) + Cos(lat1) * Cos(lat2) * Power(Sin((lon2 - lon1) / 2), 2)
    return 2 * EARTH_RADIUS_KM * ASin(Sqrt(h))


def _bounding_box(lat: float, lon: float, radius_km: float) -> Q:
    """A lat/lon box containing the circle: a cheap, indexed pre-filter before the exact distance."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = math.degrees(radius_km / (EARTH_RADIUS_KM * max(math.cos(math.radians(lat)), 0.01)))
    return Q(latitude__range=(lat - dlat, lat + dlat), longitude__range=(lon - dlon, lon + dlon))


def services_search(
    *,
    thematiques=(),
    publics=(),
    frais: str = "",
    origin=None,
    radius_km: float | None = None,
    commune_codes=(),
    epci_codes=(),
    limit: int | None = LIST_LIMIT,
) -> list[Hit]:
    """Public search of services: any of ``thematiques`` (a category ``famille`` matches its sub-themes), any of
    ``publics`` (``tous-publics`` services always match), ``frais``; around ``origin`` (a commune or a
    ``(lat, lon)`` pair) within ``radius_km``, nearest first; or within the given communes/EPCI (territory).
    """
    queryset = _services_for_search()
    if thematiques:
        # A category stands for all its sub-themes: one array overlap, which the GIN index serves.
        wanted = {t for t in thematiques if "--" in t}
        for categorie in (t for t in thematiques if "--" not in t):
            wanted |= {value for value in THEMATIQUE_VALUES if value.startswith(categorie + "--")}
        queryset = queryset.filter(thematiques__overlap=sorted(wanted))
    if publics:
        queryset = queryset.filter(Q(publics__overlap=list(publics)) | Q(publics__contains=["tous-publics"]))
    if frais:
        queryset = queryset.filter(frais=frais)
    if commune_codes or epci_codes:
        queryset = queryset.filter(Q(commune_id__in=list(commune_codes)) | Q(commune__epci_id__in=list(epci_codes)))
    centre = None
    if origin is not None and radius_km:
        centre = (origin.latitude, origin.longitude) if hasattr(origin, "latitude") else tuple(origin)
        if None in centre:
            centre = None
    if centre is None:
        rows = list(queryset[:limit] if limit else queryset)
        return [Hit(service, None) for service in rows]
    radius = min(float(radius_km), MAX_RADIUS_KM)
    rows = (
        queryset.filter(_bounding_box(centre[0], centre[1], radius))
        .alias(distance=_distance_sql(*centre))
        .filter(distance__lte=radius)
        .order_by("distance", "nom", "pk")
    )
    rows = rows[:limit] if limit else rows
    return [Hit(service, round(distance_km(centre, (service.latitude, service.longitude)), 2)) for service in rows]


# --- representatives and moderation (personal: the accounts behind the changes) -------------------------------


def representations_for(*, user) -> QuerySet[Representative]:
    """The account's own claims (any status), newest first: its own data, no access log."""
    if not getattr(user, "is_authenticated", False):
        return Representative.objects.none()
    return Representative.objects.filter(user=user).select_related("structure").order_by("-created_at")


def representation_get(*, user, pk) -> Representative:
    """One of the account's own claims (its own data, no access log); ``Http404`` for anyone else's."""
    claim = representations_for(user=user).filter(pk=pk).first()
    if claim is None:
        raise Http404
    return claim


def structures_editable_by(*, user) -> QuerySet[Structure]:
    """The structures the account represents (validated claims)."""
    if not getattr(user, "is_authenticated", False):
        return Structure.objects.none()
    return Structure.objects.filter(
        representatives__user=user, representatives__status=Representative.Status.VALIDATED
    ).order_by("nom")


def structure_for_editor(*, user, pk) -> Structure:
    """A structure the user may edit (``perms.can_edit_structure``), else ``Http404``."""
    structure = structure_get_public(pk)
    if not perms.can_edit_structure(user, structure):
        raise Http404
    return structure


def proposals_of(*, user) -> QuerySet[PendingChange]:
    """The account's own proposals, newest first (its own data)."""
    if not getattr(user, "is_authenticated", False):
        return PendingChange.objects.none()
    return PendingChange.objects.filter(author=user).select_related("content_type").order_by("-created_at")


def _log_queue(user, what: str, request=None) -> None:
    # Its own action (not a generic search): the DPO's console names and filters the reads of partners' accounts.
    access_log_write(
        actor=user,
        action=AccessLog.Action.ANNUAIRE_QUEUE,
        object_type="annuaire." + what,
        purpose="annuaire : modération, " + PURPOSES[what],
        request=request,
    )


def claims_pending(*, user, request=None) -> QuerySet[Representative]:
    """Claims waiting for the Info sociale team (the claimants' accounts: logged); ``Http404`` for others."""
    if not perms.can_moderate(user):
        raise Http404
    _log_queue(user, "rattachements", request)
    return (
        Representative.objects.filter(status=Representative.Status.PENDING)
        .select_related("user", "structure")
        .order_by("created_at")
    )


def claim_get(*, user, pk, request=None) -> Representative:
    """One claim for the Info sociale team (logged); ``Http404`` for others or when unknown."""
    if not perms.can_moderate(user):
        raise Http404
    claim = Representative.objects.select_related("user", "structure").filter(pk=pk).first()
    if claim is None:
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.ANNUAIRE_CLAIM_VIEW,
        obj=claim,
        purpose="annuaire : examen d'une demande de rattachement",
        request=request,
    )
    return claim


def changes_pending(*, user, request=None) -> QuerySet[PendingChange]:
    """Proposed changes waiting for moderation, oldest first (authors' accounts: logged); 404 for others."""
    if not perms.can_moderate(user):
        raise Http404
    _log_queue(user, "propositions", request)
    return (
        PendingChange.objects.filter(status=PendingChange.Status.PENDING)
        .select_related("author", "content_type")
        .order_by("created_at")
    )


def change_get(*, user, pk, request=None) -> PendingChange:
    """One proposed change for the Info sociale team (logged); ``Http404`` for others or when unknown."""
    if not perms.can_moderate(user):
        raise Http404
    change = PendingChange.objects.select_related("author", "content_type").filter(pk=pk).first()
    if change is None:
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.ANNUAIRE_CHANGE_VIEW,
        obj=change,
        purpose="annuaire : examen d'une proposition de modification",
        request=request,
    )
    return change


def change_diff(change: PendingChange) -> list[dict]:
    """The fields of a proposal with their published and proposed values (``before`` is None for a new record)."""
    model = change.content_type.model_class()
    target = model.objects.filter(pk=change.object_id).first() if change.object_id else None
    rows = []
    for name, proposed in change.data.items():
        field = model._meta.get_field(name)
        before = getattr(target, field.attname) if target is not None else None
        rows.append({"field": name, "label": str(field.verbose_name), "before": before, "after": proposed})
    return rows


def editors_emails(obj) -> list[str]:
    """The addresses reminded when ``obj`` (a structure, or a record of one) goes stale: its validated
    representatives, else the structure's own contact address."""
    structure = obj if isinstance(obj, Structure) else getattr(obj, "structure", None)
    if structure is None:
        return []
    emails = list(
        Representative.objects.filter(
            structure=structure, status=Representative.Status.VALIDATED, user__is_active=True
        ).values_list("user__email", flat=True)
    )
    return sorted(set(emails)) or ([structure.courriel] if structure.courriel else [])


def orientation_origin(file) -> Commune | None:
    """Where the person lives, for a search by distance: the commune of their current address (its INSEE code,
    else its postcode and city). Called after ``dossier_unique.selectors.file_get`` (which checked and logged the
    read of the file)."""
    address = Address.objects.filter(citizen_id=file.citizen_id, end_date__isnull=True).order_by("-start_date").first()
    if address is None:
        return None
    if address.insee_code:
        commune = commune_get(address.insee_code)
        if commune is not None:
            return commune
    return commune_for_postcode(postcode=address.postcode, city=address.city)


def import_get(*, user, pk) -> ImportRun:
    """One import run for the Info sociale team (no personal data: structures' public records); 404 otherwise."""
    if not perms.can_moderate(user):
        raise Http404
    run = ImportRun.objects.filter(pk=pk).first()
    if run is None:
        raise Http404
    return run
