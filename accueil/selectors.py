"""Reads for digital-help sessions. Each takes the user and applies ``accueil.perms``.

Reads of sessions linked to a citizen are personal data: they write one access-log row (action
``accueil.view``) naming the citizen. The sites and communes offered by the form are not personal data.
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Commune, Site
from grc.perms import is_agent
from grc.selectors.territory import distance_km
from mednum.models import Lieu
from mednum.selectors import lieux_published

from . import perms
from .models import HelpSession


def recording_sites(*, user) -> list[Site]:
    """The CDAS and antennes where ``user`` records sessions, pilot CDAS first, then by name."""
    return list(
        Site.objects.filter(perms.recording_sites_q(user))
        .order_by("-is_numerique_pilot", "name")
        .only("pk", "name", "kind", "is_numerique_pilot", "commune_id")
    )


def recording_site(*, user, pk) -> Site:
    """One site where ``user`` records sessions; ``Http404`` for any other."""
    try:
        return Site.objects.filter(perms.recording_sites_q(user)).get(pk=pk)
    except (Site.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


COMMUNES_CACHE_KEY = "accueil:communes:v1"
PLACES_NEAR = 30


def communes_for_choice(*, user, site: Site | None = None) -> list[Commune]:
    """Every commune (code, name) for the "lives in" choice; those of ``site``'s sector first, then by name.

    The attribute ``in_sector`` says which are in the sector (the form groups them). Reference data, no
    personal data: read once an hour from the database (the form is shown and posted all day long).
    """
    rows = cache.get(COMMUNES_CACHE_KEY)
    if rows is None:
        rows = list(Commune.objects.order_by("name").values_list("code", "name", "cdas_id"))
        cache.set(COMMUNES_CACHE_KEY, rows, 3600)
    communes = []
    for code, name, cdas_id in rows:
        commune = Commune(code=code, name=name, cdas_id=cdas_id)
        commune.in_sector = int(site is not None and cdas_id == site.pk)
        communes.append(commune)
    communes.sort(key=lambda c: -c.in_sector)  # stable: by name within each group
    return communes


def orientation_places(*, user, site: Site, limit: int = PLACES_NEAR) -> list[tuple[Lieu, float | None]]:
    """The published places of the map to orient a person to, nearest to ``site`` first (its commune's centre),
    with their distance in km; places without a known position come last, by name. Public data (no log)."""
    if not is_agent(user):
        raise Http404
    origin = site.commune if site.commune_id else None
    places = (
        lieux_published()
        .select_related(None)
        .select_related("commune")
        .only("pk", "nom", "latitude", "longitude", "commune__name", "commune__latitude", "commune__longitude")
    )
    ranked = [(place, distance_km(origin, place.point) if origin else None) for place in places]
    ranked.sort(key=lambda pair: (pair[1] is None, pair[1] or 0.0, pair[0].nom))
    return ranked[:limit]


def orientation_place(*, user, pk) -> Lieu | None:
    """The place chosen in the form (published or not: the service refuses a withdrawn one), or None."""
    if not is_agent(user) or pk in (None, ""):
        return None
    return Lieu.objects.filter(pk=pk).only("pk", "nom", "published").first()


def _visible(user):
    return HelpSession.objects.filter(perms.visible_help_sessions_q(user))


def help_sessions_of_citizen(*, user, citizen, request=None, limit: int = 50) -> list[HelpSession]:
    """The sessions of ``citizen`` that ``user`` may read, newest first, logged as one read of personal data."""
    if not is_agent(user):
        raise Http404
    sessions = list(
        _visible(user)
        .filter(citizen=citizen)
        .select_related("site", "commune", "orientation_place")
        .order_by("-held_at", "-pk")[:limit]
    )
    access_log_write(
        actor=user,
        action=AccessLog.Action.HELP_SESSION_VIEW,
        citizen=citizen,
        object_type="accueil.helpsession",
        request=request,
        purpose=f"{len(sessions)} séance(s)",
    )
    return sessions


def help_sessions_recent(*, user, site: Site, request=None, limit: int = 10) -> list[HelpSession]:
    """What ``user`` recorded at ``site`` today, newest first (the form's "last recorded" list).

    Linked citizens are not named (the list links to their record, whose opening is logged there); the
    read of linked sessions is logged once all the same.
    """
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    from_today = Q(held_at__gte=midnight)
    sessions = list(
        HelpSession.objects.filter(from_today, agent=user, site=site)
        .select_related("commune", "site")
        .order_by("-held_at", "-pk")[:limit]
    )
    linked = [s for s in sessions if s.citizen_id]
    if linked:
        access_log_write(
            actor=user,
            action=AccessLog.Action.HELP_SESSION_VIEW,
            object_type="accueil.helpsession",
            object_id=",".join(str(s.pk) for s in linked)[:64],
            request=request,
            purpose=f"séances du jour : {len(linked)} usager(s)",
        )
    return sessions


def help_session_for_correction(*, user, pk, request=None) -> HelpSession:
    """A session ``user`` may correct (its author, within 24 hours: ``accueil.perms.can_correct``), else 404.
    Logged as a read of personal data when it is linked to a citizen."""
    session = (
        HelpSession.objects.filter(pk=pk, agent_id=getattr(user, "pk", None))
        .select_related("site", "commune", "orientation_place")
        .first()
    )
    if session is None or not perms.can_correct(user, session):
        raise Http404
    if session.citizen_id:
        access_log_write(
            actor=user,
            action=AccessLog.Action.HELP_SESSION_VIEW,
            citizen=session.citizen_id,
            object_type="accueil.helpsession",
            object_id=str(session.pk),
            request=request,
            purpose="correction d'une séance",
        )
    return session
