"""Permission rules of digital-help sessions (accueil numérique social).

Who records a session, and where:

- **agents of a CDAS or an antenne**: staff holding a *current* membership as social worker, instructor
  or team manager in a team whose site is a CDAS or an antenne record sessions *at that site*;
- **functional admins** (current membership) and superusers record at every CDAS and antenne (they
  set up the service and correct mistakes).

Mailroom agents and the DPO record none: they do not receive the public.

Who reads a session linked to a citizen (its detail: procedures, outcome, orientation):

- the agent who recorded it, while their account is active;
- staff holding a current membership (same roles) in a team of the session's site: the CDAS's
  colleagues who may take over the next visit;
- functional admins and superusers.

Who corrects a session (a mistaken level, procedure, outcome, orientation…): its author only, while their
account is active and still records at the session's site, within 24 hours of recording it
(``CORRECTION_DELAY``); the history keeps every version. Later or by anyone else: record a new session.

Nobody else sees the sessions themselves (404). Social workers who may read the citizen's social file
see the timeline entry ("Aide aux démarches en ligne — niveau, CDAS") under the timeline's own rules.
Anonymous sessions hold no personal data; the observatory reads only aggregates.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from grc.models import Membership, Site, Team
from grc.perms import current_memberships, current_roles, is_agent

RECORDING_ROLES = frozenset({Membership.Role.SOCIAL_WORKER, Membership.Role.INSTRUCTOR, Membership.Role.TEAM_MANAGER})
RECEIVING_SITE_KINDS = (Site.Kind.CDAS, Site.Kind.ANTENNE)
CORRECTION_DELAY = datetime.timedelta(hours=24)


def is_help_admin(user) -> bool:
    """A functional admin (current membership) or a superuser: records and reads at every CDAS and antenne."""
    if not is_agent(user):
        return False
    return user.is_superuser or Membership.Role.FUNCTIONAL_ADMIN in current_roles(user)


def _site_ids(user) -> frozenset[int]:
    """The CDAS and antennes of the teams where ``user`` holds a recording role today: one query per request at
    most (none without such a membership), cached on the user object as its memberships are."""
    key = "_accueil_site_ids"
    if not hasattr(user, key):
        team_ids = {team_id for team_id, role in current_memberships(user) if role in RECORDING_ROLES}
        teams = Team.objects.filter(pk__in=team_ids, site__kind__in=RECEIVING_SITE_KINDS)
        ids = teams.values_list("site_id", flat=True)
        setattr(user, key, frozenset(ids) if team_ids else frozenset())
    return getattr(user, key)


def recording_sites_q(user) -> Q:
    """The sites where ``user`` records sessions, as a filter on ``grc.Site`` (rules above)."""
    if not is_agent(user):
        return Q(pk__in=[])
    receiving = Q(kind__in=RECEIVING_SITE_KINDS)
    if is_help_admin(user):
        return receiving
    return receiving & Q(pk__in=_site_ids(user))


def can_record_help_sessions(user) -> bool:
    """``user`` records sessions somewhere (the form and the home card are shown; otherwise 404)."""
    if is_help_admin(user):
        return Site.objects.filter(kind__in=RECEIVING_SITE_KINDS).exists()
    return bool(_site_ids(user))


def can_record_at(user, site) -> bool:
    """``user`` records a session at ``site`` (rules above); no query beyond the cached memberships."""
    if site is None or not is_agent(user) or site.kind not in RECEIVING_SITE_KINDS:
        return False
    return is_help_admin(user) or site.pk in _site_ids(user)


def can_list_help_sessions(user) -> bool:
    """``user`` opens the list of a person's sessions: who records sessions somewhere, or a help admin (the
    list then shows only the sessions ``visible_help_sessions_q`` lets them read)."""
    return is_help_admin(user) or bool(_site_ids(user))


def can_correct(user, session, *, now: datetime.datetime | None = None) -> bool:
    """``user`` corrects ``session``: its author, still recording at its site, within 24 hours (rules above)."""
    if not is_agent(user) or session.agent_id != user.pk or session.anonymised_at is not None:
        return False
    if (now or timezone.now()) - session.created_at > CORRECTION_DELAY:
        return False
    return can_record_at(user, session.site)


def visible_help_sessions_q(user) -> Q:
    """The sessions ``user`` may read, as a filter on ``HelpSession`` (rules above)."""
    if not is_agent(user):
        return Q(pk__in=[])
    if is_help_admin(user):
        return Q()
    return Q(agent=user) | Q(site_id__in=_site_ids(user))
