"""Reads of requests. Every selector takes the user, filters in SQL with ``perms``, and writes the access log.

A request (or attachment, or queue) the user may not see raises ``Http404``.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Membership, Team, User
from grc.perms import membership_current_q

from . import perms
from .models import Organisation, OrganisationMember, Request, RequestAttachment, RequestEvent, RequestMessage

QUEUE_PAGE_SIZE = 50


def _log(user, action, request_obj, *, obj=None, http_request=None, purpose=""):
    access_log_write(
        actor=user,
        action=action,
        citizen=request_obj.citizen_id,
        obj=obj if obj is not None else request_obj,
        purpose=purpose,
        request=http_request,
    )


def _self_action(user, action):
    return AccessLog.Action.CITIZEN_SELF_VIEW if perms.is_citizen_account(user) else action


def requests_for(*, user) -> QuerySet[Request]:
    """The requests ``user`` may see (no access-log row: callers narrow and log)."""
    return Request.objects.filter(perms.visible_requests_q(user))


def request_get(*, user, code: str, http_request=None, log: bool = True, for_update: bool = False) -> Request:
    """One request by tracking code, if ``user`` may see it (``perms``), else 404; logs the read.

    Staff reads are logged as ``REQUEST_VIEW``; a citizen reading their own as ``CITIZEN_SELF_VIEW``; a
    member of the structure it was filed for reading another member's as ``REQUEST_VIEW`` (not their own).
    """
    qs = requests_for(user=user).select_related(
        "team", "assigned_to", "citizen", "account", "filed_by", "organisation"
    )
    request_obj = qs.filter(tracking_code=code).first()
    if request_obj is None:
        raise Http404
    if log:
        own = request_obj.account_id == user.pk or (
            request_obj.citizen is not None and request_obj.citizen.user_id == user.pk
        )
        if perms.is_citizen_account(user) and not own:
            purpose = f"membre de la structure {request_obj.organisation_id}"
            _log(user, AccessLog.Action.REQUEST_VIEW, request_obj, http_request=http_request, purpose=purpose)
        else:
            _log(user, _self_action(user, AccessLog.Action.REQUEST_VIEW), request_obj, http_request=http_request)
    return request_obj


def request_filed_by(*, user, code: str, http_request=None) -> Request:
    """A request ``user`` filed at a counter (for the confirmation and the acknowledgement to print),
    even when it went to a team they are not in; 404 otherwise. Logged as a request read."""
    if not perms.is_agent(user):
        raise Http404
    request_obj = Request.objects.select_related("team", "citizen").filter(tracking_code=code, filed_by=user).first()
    if request_obj is None:
        return request_get(user=user, code=code, http_request=http_request)
    _log(user, AccessLog.Action.REQUEST_VIEW, request_obj, http_request=http_request, purpose="dépôt au guichet")
    return request_obj


def request_detail(*, request_obj: Request, user) -> dict:
    """What the instruction screen / citizen page shows, in a fixed number of queries.

    Citizens see the events marked visible to them; staff see every event.
    """
    attachments = list(request_obj.attachments.order_by("uploaded_at", "pk"))
    labels = _form_labels(request_obj)
    for attachment in attachments:
        attachment.field_label = labels.get(attachment.field_name, attachment.field_name.replace("_", " "))
    events = RequestEvent.objects.filter(request=request_obj).select_related("actor")
    if not perms.is_agent(user):
        events = events.filter(visible_to_citizen=True)
    messages = list(
        RequestMessage.objects.filter(request=request_obj)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=RequestAttachment.objects.order_by("pk")))
    )
    return {
        "answer_rows": answer_rows(request_obj, labels=labels),
        "form_attachments": [a for a in attachments if a.message_id is None],
        "events": list(events),
        "thread": messages,
    }


def _display(value) -> str:
    if value is True:
        return _("oui")
    if value is False:
        return _("non")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _form_labels(request_obj: Request) -> dict[str, str]:
    """{field name: label} of the procedure's form, in the form's order (empty if the page is gone)."""
    page = request_obj.procedure.specific if request_obj.procedure_id and request_obj.procedure else None
    fields = getattr(page, "form_fields", None)
    return {field.clean_name: field.label for field in fields.all()} if fields is not None else {}


def answer_rows(request_obj: Request, *, labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(label, value) of the answers, in the procedure form's order with its labels when the page
    still exists (answers are stored by field name), then any other answer by its name."""
    answers = dict(request_obj.answers or {})
    rows = []
    for name, label in (_form_labels(request_obj) if labels is None else labels).items():
        if name in answers:
            rows.append((label, _display(answers.pop(name))))
    known = {"notes_guichet": _("Informations recueillies au guichet")}
    rows += [(known.get(name, name.replace("_", " ")), _display(value)) for name, value in sorted(answers.items())]
    return rows


def request_attachment_get(*, user, pk: int, http_request=None) -> RequestAttachment:
    """One attachment of a request ``user`` may see, else 404; logs the download."""
    attachment = (
        RequestAttachment.objects.select_related("request").filter(pk=pk, request__in=requests_for(user=user)).first()
    )
    if attachment is None:
        raise Http404
    _log(
        user,
        _self_action(user, AccessLog.Action.REQUEST_ATTACHMENT_DOWNLOAD),
        attachment.request,
        obj=attachment,
        http_request=http_request,
    )
    return attachment


def queue_teams(*, user) -> list[Team]:
    """The teams whose queue ``user`` works (current instructor / social worker / manager)."""
    if not perms.is_agent(user):
        return []
    return list(Team.objects.filter(pk__in=perms.request_team_ids(user), is_active=True).order_by("name"))


def request_queue(
    *,
    user,
    team_id: int,
    status: str = "",
    procedure: str = "",
    assigned: str = "",
    http_request=None,
) -> tuple[Team, QuerySet[Request], dict]:
    """A team's queue (bannette), overdue first, then by due date; 404 if ``user`` is not in the team.

    Filters: ``status`` (one status, ``open`` = not final, default open), ``procedure`` (title),
    ``assigned`` (``me``, ``none`` or empty). Returns the team, the queryset and counts per status.
    Logs one ``REQUEST_QUEUE`` row (the team's queue, not each request).
    """
    if not perms.is_team_member(user, team_id):
        raise Http404
    team = Team.objects.get(pk=team_id)
    base = Request.objects.filter(team_id=team_id).exclude(status=Request.Status.DRAFT)
    counts = dict(base.values_list("status").annotate(n=Count("pk")).order_by())
    qs = base
    if status == "all":
        pass
    elif status in Request.Status.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=Request.OPEN_STATUSES)
    if procedure:
        qs = qs.filter(procedure_title=procedure)
    if assigned == "me":
        qs = qs.filter(assigned_to=user)
    elif assigned == "none":
        qs = qs.filter(assigned_to__isnull=True)
    today = timezone.localdate()
    qs = (
        qs.select_related("citizen", "assigned_to")
        .annotate(
            overdue=Case(
                When(Q(due_date__lt=today) & Q(status__in=Request.OPEN_STATUSES), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("overdue", "due_date", "submitted_at", "pk")
    )
    access_log_write(
        actor=user,
        action=AccessLog.Action.REQUEST_QUEUE,
        object_type="grc.team",
        object_id=team_id,
        request=http_request,
    )
    return team, qs, counts


def queue_procedures(*, team_id: int) -> list[str]:
    """Procedure titles present in a team's queue (for the filter)."""
    return list(
        Request.objects.filter(team_id=team_id)
        .exclude(status=Request.Status.DRAFT)
        .values_list("procedure_title", flat=True)
        .distinct()
        .order_by("procedure_title")
    )


def team_agents(*, team_id) -> list:
    """Current agents of a team who may be assigned its requests."""
    return list(
        # One filter() call: the team, the role and the dates are those of the same membership row.
        User.objects.filter(
            membership_current_q("memberships__", roles=perms.REQUEST_ROLES),
            is_active=True,
            is_staff=True,
            memberships__team_id=team_id,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


# --- Mon espace --------------------------------------------------------------------------------


def my_requests(*, user) -> QuerySet[Request]:
    """A citizen's own requests, drafts included, newest first (for Mon espace)."""
    if not perms.is_citizen_account(user):
        return Request.objects.none()
    return (
        requests_for(user=user)
        .annotate(unread=Count("messages", filter=Q(messages__from_citizen=False, messages__read_at__isnull=True)))
        .order_by("-created_at", "-pk")
    )


def my_accesses(*, user, limit: int = 100, offset: int = 0, http_request=None) -> list[dict]:
    """Who read the citizen's records: when, which team and role — never which person.

    One query over the access log by citizen, joined to the actor's team memberships valid on the
    day of each access (an actor in several teams shows them all). The citizen's own reads are
    left out. Returns dicts: ``at``, ``action`` (label), ``teams`` (list of (team, role label)).
    Reading the list is itself logged (``CITIZEN_SELF_VIEW``), unless it is a page past the last
    (``offset`` and nothing found), which the caller answers with a 404.
    """
    citizen = getattr(user, "citizen", None)
    if citizen is None or not perms.is_citizen_account(user):
        return []
    # LATERAL: the newest rows come from the (citizen, at) index with the LIMIT applied first; each
    # row then gathers its actor's memberships valid on that day.
    sql = """
        SELECT a.id, a.at, a.action, a.actor_id IS NULL AS by_system, COALESCE(ms.teams, '{}') AS teams
          FROM audit_accesslog a
          LEFT JOIN LATERAL (
                SELECT array_agg(t.name || '|' || m.role ORDER BY t.name, m.role) AS teams
                  FROM grc_membership m
                  JOIN grc_team t ON t.id = m.team_id
                 WHERE m.user_id = a.actor_id
                   AND m.start_date <= (a.at AT TIME ZONE %(tz)s)::date
                   AND (m.end_date IS NULL OR m.end_date >= (a.at AT TIME ZONE %(tz)s)::date)
          ) ms ON TRUE
         WHERE a.citizen_id = %(citizen)s
           AND a.actor_id IS DISTINCT FROM %(user)s
         ORDER BY a.at DESC, a.id DESC
         LIMIT %(limit)s OFFSET %(offset)s
    """
    params = {
        "tz": timezone.get_current_timezone_name(),
        "citizen": citizen.pk,
        "user": user.pk,
        "limit": limit,
        "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    actions = dict(AccessLog.Action.choices)
    roles = dict(Membership.Role.choices)
    result = []
    for _pk, at, action, by_system, teams in rows:
        pairs = []
        for item in teams:
            name, _sep, role = item.rpartition("|")
            pairs.append((name, roles.get(role, role)))
        result.append({"at": at, "action": actions.get(action, action), "teams": pairs, "by_system": by_system})
    if result or not offset:
        access_log_write(
            actor=user,
            action=AccessLog.Action.CITIZEN_SELF_VIEW,
            citizen=citizen,
            object_type="audit.accesslog",
            purpose="liste des accès à mes données",
            request=http_request,
        )
    return result


# --- Structures (organisations) ----------------------------------------------------------------


def organisations_for(*, user) -> list:
    """The structures the portal account ``user`` acts for, with its role in each (``member_role``)."""
    if not perms.is_citizen_account(user):
        return []
    roles = OrganisationMember.objects.filter(user=user).select_related("organisation").order_by("organisation__name")
    found = []
    for member in roles:
        member.organisation.member_role = member.role
        found.append(member.organisation)
    return found


def organisation_get(*, user, pk: int) -> Organisation:
    """One of ``user``'s structures (404 otherwise), with its members (``members_list``)."""
    for organisation in organisations_for(user=user):
        if organisation.pk == pk:
            organisation.members_list = list(
                organisation.members.select_related("user").order_by("role", "user__last_name", "user__email")
            )
            return organisation
    raise Http404
