"""Permission rules of message templates and outgoing letters. Shared by the back office and the API.

- **Manage a team's templates** (create, change, delete): an active agent holding a current team
  manager membership in that team.
- **Use a template** (in a request message or a letter): an active agent with a current membership
  (any role) in the template's team.
- **Write a letter**: an active agent, on behalf of one of their current teams, about a social file they
  may see (``dossier_unique.perms``) or a request they work (``demandes.perms.can_work_request``).
  Anything else is a 404: the letter form does not tell whether the file or request exists.
- **Read the register of a team**: its current members (any role). A row names its recipient only to
  who may see the letter's file or request (the rule above); the others see the number, the date, the
  author and the subject.
- **Open a letter and its PDF**: its author, or a current member of its team who may see its file or
  request.
- **Put a letter in Mon espace**: through its request when the request was filed online (a message with
  the PDF attached); otherwise when the citizen has a portal account linked to their record
  (``grc.Citizen.user``), listed under "Mes documents".
- **A citizen reads a letter in Mon espace**: the portal account linked to the letter's citizen, once the
  letter is put there directly; anything else is a 404.
"""

from __future__ import annotations

from django.db.models import Q

from demandes import perms as request_perms
from dossier_unique import perms as file_perms
from grc.models import Membership
from grc.perms import current_memberships, current_team_ids, is_agent

from .models import MessageTemplate, OutgoingLetter


def managed_team_ids(user) -> set[int]:
    """The teams whose templates ``user`` manages (current team manager)."""
    if not is_agent(user):
        return set()
    return {team_id for team_id, role in current_memberships(user) if role == Membership.Role.TEAM_MANAGER}


def can_manage_templates(user, team_id) -> bool:
    """Create, change or delete the templates of team ``team_id`` (rules above)."""
    return team_id in managed_team_ids(user)


def usable_templates_q(user) -> Q:
    """The templates ``user`` may use, as a filter on ``MessageTemplate``."""
    if not is_agent(user):
        return Q(pk__in=[])
    return Q(team_id__in=current_team_ids(user))


def via_request(request) -> bool:
    """Whether a letter about ``request`` goes into Mon espace as a message of that request."""
    return request is not None and request.account_id is not None


def portal_reachable(*, citizen, request=None) -> bool:
    """Whether a letter to ``citizen`` (about ``request``, if any) can be put in their Mon espace."""
    return via_request(request) or (citizen is not None and citizen.user_id is not None)


def portal_letters_q(user) -> Q:
    """The letters the portal account ``user`` reads in Mon espace, as a filter on ``OutgoingLetter``."""
    if not user.is_authenticated or user.is_staff:
        return Q(pk__in=[])
    return Q(citizen__user=user, portal_published_at__isnull=False)


def can_use_template(user, template: MessageTemplate) -> bool:
    return is_agent(user) and template.team_id in current_team_ids(user)


def can_write_letter(user, *, team, file=None, request=None) -> bool:
    """Write a letter for ``team`` about ``file`` or ``request`` (rules above)."""
    if not is_agent(user) or team is None or team.pk not in current_team_ids(user):
        return False
    if file is not None:
        return file_perms.can_view_file(user, file)
    if request is not None:
        return request_perms.can_work_request(user, request)
    return False


def register_team_ids(user) -> set[int]:
    """The teams whose outgoing register ``user`` reads (current members, any role)."""
    return set(current_team_ids(user)) if is_agent(user) else set()


def visible_letters_q(user) -> Q:
    """The register rows ``user`` may list, as a filter on ``OutgoingLetter``."""
    if not is_agent(user):
        return Q(pk__in=[])
    return Q(team_id__in=register_team_ids(user)) | Q(author=user)


def can_see_subject(user, letter: OutgoingLetter) -> bool:
    """``user`` may see the letter's file or request, hence its recipient and its content."""
    if letter.file_id is not None and file_perms.can_view_file(user, letter.file):
        return True
    return letter.request_id is not None and request_perms.can_work_request(user, letter.request)


def can_open_letter(user, letter: OutgoingLetter) -> bool:
    """Open a letter and download its PDF (rules above)."""
    if not is_agent(user):
        return False
    if letter.author_id == user.pk:
        return True
    return letter.team_id in current_team_ids(user) and can_see_subject(user, letter)
