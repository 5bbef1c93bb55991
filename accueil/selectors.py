"""Reads for digital-help sessions. Each takes the user and applies ``accueil.perms``.

Reads of sessions linked to a citizen are personal data: they write one access-log row (action
``accueil.view``) naming the citizen. The sites and communes offered by the form are not personal data.
"""

from __future__ import annotations

import datetime

from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Commune, Site
from grc.perms import is_agent

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


def communes_for_choice(*, user, site: Site | None = None) -> list[Commune]:
    """Every commune (id, name) for the "lives in" choice; those of ``site``'s sector first, then by name.

    The attribute ``in_sector`` says which are in the sector (the form groups them).
    """
    qs = Commune.objects.only("code", "name", "cdas_id")
    if site is not None:
        qs = qs.annotate(
            in_sector=Case(When(cdas_id=site.pk, then=Value(1)), default=Value(0), output_field=IntegerField())
        ).order_by("-in_sector", "name")
    else:
        qs = qs.annotate(in_sector=Value(0, output_field=IntegerField())).order_by("name")
    return list(qs)


def _visible(user):
    return HelpSession.objects.filter(perms.visible_help_sessions_q(user))


def help_sessions_of_citizen(*, user, citizen, request=None, limit: int = 50) -> list[HelpSession]:
    """The sessions of ``citizen`` that ``user`` may read, newest first, logged as one read of personal data."""
    if not is_agent(user):
        raise Http404
    sessions = list(
        _visible(user).filter(citizen=citizen).select_related("site", "commune").order_by("-held_at", "-pk")[:limit]
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
        .select_related("commune")
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
