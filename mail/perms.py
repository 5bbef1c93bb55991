"""Who may do what with incoming mail. Shared by the mailroom screens, the team queues, the navigation and the API.

Each function states its rules in its docstring; callers never re-implement them.
"""

from __future__ import annotations

from django.db.models import Q

from grc.models import Membership
from grc.perms import current_roles, current_team_ids, is_agent

MAILROOM_ROLES = {Membership.Role.MAILROOM_AGENT}


def can_receive_mail(user) -> bool:
    """Upload scans (screen or scanning-station API), retry a failed recognition.

    Rules: an active staff account (service accounts included) with a current mailroom-agent
    membership, or a superuser.
    """
    if not is_agent(user):
        return False
    return user.is_superuser or bool(current_roles(user) & MAILROOM_ROLES)


def can_see_all_mail(user) -> bool:
    """See every scan, its OCR text and its suggestions (the mailroom's work).

    Rules: same as ``can_receive_mail``. This gives no access to social files: the suggested
    citizen is a name and an id, the file stays governed by ``dossier_unique.perms``.
    """
    return can_receive_mail(user)


def mail_visible_q(user) -> Q | None:
    """The filter of the items ``user`` may see (None: none at all). See ``can_view_mail``."""
    if not is_agent(user):
        return None
    if can_see_all_mail(user):
        return Q()
    teams = current_team_ids(user)
    if not teams:
        return None
    return Q(team_id__in=teams)


def can_view_mail(user, item) -> bool:
    """See one mail item (its scan, text, suggestions, history).

    Rules: mailroom agents and superusers see every item; a staff member with a current membership
    (any role) in the team the item is routed to sees that item; nobody else (a 404 for them).
    Citizens' portal accounts never.
    """
    if not is_agent(user):
        return False
    if can_see_all_mail(user):
        return True
    return item.team_id is not None and item.team_id in current_team_ids(user)


def can_work_team_queue(user, team) -> bool:
    """Open a team's bannette, take (assign to me), forward and mark letters handled.

    Rules: active staff with a current membership (any role) in that team, or superusers.
    """
    if not is_agent(user) or team is None:
        return False
    return user.is_superuser or team.pk in current_team_ids(user)


def can_open_team_queues(user) -> bool:
    """See the "team queues" entry of the navigation: a current membership in any team (any role)."""
    return bool(current_team_ids(user))


def can_manage_mail_classifier(user) -> bool:
    """See the mail classifier's page (version, training date, examples, figures) and retrain it now.

    Rules: active staff with a current functional-admin membership, or superusers.
    """
    if not is_agent(user):
        return False
    return user.is_superuser or Membership.Role.FUNCTIONAL_ADMIN in current_roles(user)
