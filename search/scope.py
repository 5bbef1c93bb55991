"""Who may see a search document, as *principals*: short strings shared by documents and users.

A document carries ``acl`` (anyone holding one of these principals may see it) and, for notes,
``acl_restrict`` (they must *also* hold one of these). A user's principals are computed once per
search from the rules in ``grc.perms``, ``dossier_unique.perms`` and the request/mail rules, so that
the backends filter inside the query (SQL ``&&`` on arrays, an Elasticsearch ``terms`` filter) and
never trim a page afterwards.

Principals:

- ``id`` — may search the citizen reference (``grc.perms.can_search_citizens``); on citizen documents.
- ``ft:<team>`` — a current *file role* (social worker, instructor, team manager) in that team;
  on file and note documents whose file the team may see (guardian group rows of the team's
  ``TeamGroup``), and in ``acl_restrict`` of *team*-visibility notes of that team.
- ``fu:<user>`` — the user holds a current file role somewhere; on file and note documents whose
  file the user may see directly (guardian user rows: member, referent, grant, emergency access),
  and in ``acl_restrict`` of the notes they wrote (the author always reads their own note).
- ``rt:<team>`` — a current membership of that team in a role that works its requests
  (``demandes.perms.REQUEST_ROLES``); on the team's requests.
- ``t:<team>`` — any current membership of that team; on mail items routed to it.
- ``u:<user>`` — the user themselves; on requests assigned to them.
- ``mr`` — a current mailroom agent or a superuser (``mail.perms.can_see_all_mail``); on every
  mail item.

Membership is read at query time (dated ``grc.Membership``), so joining or leaving a team needs no
reindex; what the index holds is *which teams/users the object is shared with*, kept current by
the signal handlers in ``search.signals`` (including guardian permission rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from demandes.perms import REQUEST_ROLES
from dossier_unique.perms import FILE_ROLES, is_agent
from grc.models import Membership
from grc.perms import can_search_citizens, current_memberships

IDENTITY = "id"
MAILROOM = "mr"


def file_team(team_id) -> str:
    return f"ft:{team_id}"


def file_user(user_id) -> str:
    return f"fu:{user_id}"


def request_team(team_id) -> str:
    return f"rt:{team_id}"


def team(team_id) -> str:
    return f"t:{team_id}"


def user(user_id) -> str:
    return f"u:{user_id}"


@dataclass(frozen=True)
class UserScope:
    """What one user may see, as principals (see the module docstring). Empty: sees nothing."""

    user_id: int | None
    principals: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.principals

    @classmethod
    def nobody(cls) -> UserScope:
        return cls(user_id=None, principals=())


def scope_for(user_obj) -> UserScope:
    """The principals of ``user_obj`` today (one query on memberships, plus the roles cache)."""
    if not is_agent(user_obj):
        return UserScope.nobody()
    rows = current_memberships(user_obj)
    principals: list[str] = []
    if can_search_citizens(user_obj):
        principals.append(IDENTITY)
    file_teams = sorted({t for t, role in rows if role in FILE_ROLES})
    if file_teams:
        principals.append(file_user(user_obj.pk))
        principals.extend(file_team(t) for t in file_teams)
    principals.extend(request_team(t) for t in sorted({t for t, role in rows if role in REQUEST_ROLES}))
    principals.extend(team(t) for t in sorted({t for t, _ in rows}))
    principals.append(user(user_obj.pk))
    if user_obj.is_superuser or any(role == Membership.Role.MAILROOM_AGENT for _, role in rows):
        principals.append(MAILROOM)
    return UserScope(user_id=user_obj.pk, principals=tuple(principals))
