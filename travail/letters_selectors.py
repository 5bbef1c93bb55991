"""Reads of outgoing letters and their register. Every selector takes the user and writes the access log;
what the user may not see is a 404 (``letters_perms``).

- Opening a letter or its PDF: one ``MAIL_VIEW`` row naming the citizen and the letter.
- Reading a team's register (the page, the API, the export): one ``MAIL_QUEUE`` (or ``EXPORT``) row naming
  the team, like a request queue. A row shows its recipient only to who may see the letter's file or
  request; the others get the number, date, author and subject.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from demandes import perms as request_perms
from demandes import selectors as request_selectors
from demandes.models import Request
from dossier_unique import perms as file_perms
from dossier_unique import selectors as file_selectors
from dossier_unique.models import SocialFile
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Team
from grc.perms import current_team_ids

from . import letters_perms
from .exports import EXPORT_MAX_ROWS, safe_cell
from .models import OutgoingLetter

REGISTER_PURPOSE = "registre des courriers sortants"


@dataclass
class LetterSubject:
    """What a new letter is about: a social file or a request (read and logged), and its citizen."""

    file: SocialFile | None
    request: Request | None

    @property
    def citizen(self):
        return self.file.citizen if self.file is not None else self.request.citizen

    @property
    def query(self) -> str:
        return f"dossier={self.file.pk}" if self.file is not None else f"demande={self.request.tracking_code}"


def letter_subject_get(*, user, file_id=None, request_code=None, http_request=None) -> LetterSubject:
    """The file (``dossier_unique.selectors.file_get``) or the request ``user`` works
    (``demandes.selectors.request_get`` + ``can_work_request``) a letter is written about, else ``Http404``."""
    if file_id:
        return LetterSubject(file=file_selectors.file_get(user=user, pk=file_id, request=http_request), request=None)
    if request_code:
        request_obj = request_selectors.request_get(user=user, code=request_code, http_request=http_request)
        if not request_perms.can_work_request(user, request_obj):
            raise Http404
        return LetterSubject(file=None, request=request_obj)
    raise Http404


def letter_teams(*, user) -> list[Team]:
    """The teams ``user`` may write on behalf of (their current teams)."""
    return list(Team.objects.filter(pk__in=current_team_ids(user), is_active=True).order_by("name"))


def register_teams(*, user) -> list[Team]:
    """The teams whose register ``user`` reads."""
    return list(Team.objects.filter(pk__in=letters_perms.register_team_ids(user)).order_by("name"))


def _register_qs(*, user, team_id: int | None, year: int | None, mine: bool, q: str) -> QuerySet[OutgoingLetter]:
    teams = letters_perms.register_team_ids(user)
    if team_id is not None and team_id not in teams:
        raise Http404
    qs = OutgoingLetter.objects.filter(letters_perms.visible_letters_q(user)).select_related("author", "team")
    qs = qs.filter(team_id=team_id) if team_id is not None else qs.filter(team_id__in=teams)
    if year:
        qs = qs.filter(year=year)
    if mine:
        qs = qs.filter(author=user)
    q = q.replace("\x00", "")  # PostgreSQL refuses NUL in a string: never a 500 for a pasted one
    if q:
        # A number is looked up too when q is one (ASCII digits: "²" is a digit to Python, not to int()).
        number = int(q) if q.isascii() and q.isdigit() and len(q) <= 9 else None
        qs = qs.filter(Q(subject__icontains=q) | Q(number=number) if number is not None else Q(subject__icontains=q))
    return qs.order_by("-year", "-number")


def mark_visible_recipients(*, user, letters: list[OutgoingLetter]) -> list[OutgoingLetter]:
    """Set ``recipient_visible`` on each letter: ``user`` may see its file or request (two queries)."""
    file_ids = {letter.file_id for letter in letters if letter.file_id}
    request_ids = {letter.request_id for letter in letters if letter.request_id}
    seen_files = set(
        SocialFile.objects.filter(file_perms.visible_files_q(user), pk__in=file_ids).values_list("pk", flat=True)
    )
    seen_requests = set(
        Request.objects.filter(request_perms.visible_requests_q(user), pk__in=request_ids).values_list("pk", flat=True)
    )
    for letter in letters:
        letter.recipient_visible = letter.file_id in seen_files or letter.request_id in seen_requests
    return letters


def outgoing_register(
    *, user, team_id: int | None, year: int | None = None, mine: bool = False, q: str = "", http_request=None
) -> QuerySet[OutgoingLetter]:
    """Team ``team_id``'s register as ``user`` may read it (404 outside the team; ``None``: all the user's
    teams), newest first, narrowed to ``year``, to the user's own letters (``mine``) or to a subject or
    number (``q``). Logs one ``MAIL_QUEUE`` row for the team. Call ``mark_visible_recipients`` on the rows
    shown."""
    qs = _register_qs(user=user, team_id=team_id, year=year, mine=mine, q=q)
    access_log_write(
        actor=user,
        action=AccessLog.Action.MAIL_QUEUE,
        object_type="grc.team" if team_id is not None else "",
        object_id=team_id if team_id is not None else "",
        purpose=REGISTER_PURPOSE if team_id is not None else f"{REGISTER_PURPOSE} : toutes mes équipes",
        request=http_request,
    )
    return qs


def register_years(*, user) -> list[int]:
    """The years present in the registers ``user`` reads (for the filter)."""
    return list(
        OutgoingLetter.objects.filter(letters_perms.visible_letters_q(user))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


def outgoing_letter_get(*, user, pk, http_request=None, purpose: str = "") -> OutgoingLetter:
    """One letter ``user`` may open (``letters_perms.can_open_letter``), else ``Http404``; logs ``MAIL_VIEW``."""
    letter = (
        OutgoingLetter.objects.filter(pk=pk)
        .select_related("team", "team__site", "team__site__commune", "author", "citizen", "file", "request")
        .first()
    )
    if letter is None or not letters_perms.can_open_letter(user, letter):
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.MAIL_VIEW,
        citizen=letter.citizen_id,
        obj=letter,
        purpose=purpose or "courrier sortant",
        request=http_request,
    )
    return letter


def _date(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y")


REGISTER_COLUMNS = (
    _("Numéro"),
    _("Date"),
    _("Destinataire"),
    _("Objet"),
    _("Rédacteur"),
)


def register_rows(letters: list[OutgoingLetter]) -> list[list[str]]:
    """The register as text cells (recipient blank where not visible; formula-looking cells made text)."""
    return [
        [
            letter.reference,
            _date(letter.created_at),
            letter.recipient_name if letter.recipient_visible else "",
            letter.subject,
            letter.author.get_full_name() or letter.author.email,
        ]
        for letter in letters
    ]


def outgoing_register_export(
    *, user, team_id: int, year: int | None = None, mine: bool = False, q: str = "", http_request=None
) -> tuple[list[str], list[list[str]]]:
    """The register (same filters and rules as ``outgoing_register``) as a header and rows, at most
    ``EXPORT_MAX_ROWS``; one ``EXPORT`` row in the access log with the team and the row count."""
    letters = list(_register_qs(user=user, team_id=team_id, year=year, mine=mine, q=q)[:EXPORT_MAX_ROWS])
    mark_visible_recipients(user=user, letters=letters)
    rows = [[safe_cell(cell) for cell in row] for row in register_rows(letters)]
    access_log_write(
        actor=user,
        action=AccessLog.Action.EXPORT,
        object_type="grc.team",
        object_id=team_id,
        purpose=f"export du {REGISTER_PURPOSE} : {len(rows)} lignes",
        request=http_request,
    )
    return [str(label) for label in REGISTER_COLUMNS], rows


def portal_letters(*, user) -> QuerySet[OutgoingLetter]:
    """The letters put directly in the Mon espace of the portal account ``user`` (its linked citizen's,
    ``letters_perms.portal_letters_q``), newest first, each with its team. No access-log row: like the
    rest of "Mes documents", the list is the citizen reading their own; opening one is logged."""
    return (
        OutgoingLetter.objects.filter(letters_perms.portal_letters_q(user))
        .select_related("team")
        .order_by("-portal_published_at", "-pk")
    )


def portal_letter_get(*, user, pk: int, http_request=None) -> OutgoingLetter:
    """One letter of ``portal_letters`` (else 404) for its PDF; logged as the citizen viewing their own,
    like a download of their request attachments."""
    letter = portal_letters(user=user).filter(pk=pk).first()
    if letter is None:
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.CITIZEN_SELF_VIEW,
        citizen=letter.citizen_id,
        obj=letter,
        purpose="Mon espace",
        request=http_request,
    )
    return letter
