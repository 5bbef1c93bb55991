"""Writes of outgoing letters: a letter is written, numbered in the register, put on the citizen's
timeline and, if asked, in their Mon espace — all in one transaction.

Numbering: one sequence per year without gaps, even when two agents write at the same moment. The
number is taken under a transaction-level PostgreSQL advisory lock held until commit (one lock per
year): the second writer waits, then reads the first one's row; a letter rolled back frees its number
for the next. (A database sequence would leave a gap at every rollback.) The unique constraint on
(year, number) is the backstop.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from demandes import services as request_services
from demandes.models import Request
from dossier_unique.models import TimelineEntry
from dossier_unique.timeline import timeline_record
from grc.history import save_tracked
from grc.merge_handlers import foreign_key_handler
from grc.models import Address

from . import letters_perms
from .letters_pdf import letter_pdf
from .models import LETTER_BODY_MAX_LENGTH, LETTER_SUBJECT_MAX_LENGTH, OutgoingLetter
from .templates_render import citizen_name, missing_message, placeholder_errors, render, values_for

# A citizen merge moves the loser's letters to the survivor (history row each), undo moves them back.
# Not counted: merge_preview's keys are pinned (tests/grc/test_merge.py).
LETTERS_MERGE_HANDLER = foreign_key_handler("travail_letters", OutgoingLetter, key="letters", counted=False)

# Namespace of the advisory lock (any constant; the second key is the year).
NUMBER_LOCK = 18_0006


def outgoing_number_next(*, year: int) -> int:
    """The next number of ``year``'s register, under a lock held until the caller's transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBER_LOCK, year])
    last = OutgoingLetter.objects.filter(year=year).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


def _address(citizen) -> str:
    address = Address.objects.filter(citizen=citizen, end_date__isnull=True).first()
    if address is None:
        return ""
    lines = [address.line1, address.line2, f"{address.postcode} {address.city}".strip()]
    if address.country and address.country.casefold() != "france":
        lines.append(address.country.upper())
    return "\n".join(line for line in lines if line)


def _clean_text(*, subject: str, body: str, values) -> tuple[str, str]:
    subject = " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [_("Indiquez l'objet du courrier.")]
    elif len(subject) > LETTER_SUBJECT_MAX_LENGTH:
        errors["subject"] = [_("L'objet est trop long (200 caractères au plus).")]
    elif placeholder_errors(subject):
        errors["subject"] = placeholder_errors(subject)
    if not body:
        errors["body"] = [_("Le courrier est vide.")]
    elif len(body) > LETTER_BODY_MAX_LENGTH:
        errors["body"] = [_("Le courrier est trop long (10 000 caractères au plus).")]
    elif placeholder_errors(body):
        errors["body"] = placeholder_errors(body)
    if errors:
        raise ValidationError(errors)
    subject, missing_subject = render(subject, values)
    body, missing = render(body, values)
    missing = missing_subject + [name for name in missing if name not in missing_subject]
    if missing:
        raise ValidationError({"body": [missing_message(missing)]}, code="missing")
    return subject, body


def _check_portal(*, request: Request | None, citizen) -> None:
    if letters_perms.via_request(request):
        if request.status == Request.Status.DRAFT:
            raise ValidationError({"to_portal": [_("Cette demande n'est pas déposée.")]}, code="portal")
        return
    if not letters_perms.portal_reachable(citizen=citizen):
        raise ValidationError(
            {"to_portal": [_("Cette personne n'a pas de compte sur le portail.")]},
            code="portal",
        )


@transaction.atomic
def outgoing_letter_create(
    *,
    actor,
    team,
    subject: str,
    body: str,
    file=None,
    request: Request | None = None,
    template=None,
    to_portal: bool = False,
    appointment_at=None,
) -> OutgoingLetter:
    """Write, number and record a letter from ``team`` to the citizen of ``file`` or ``request``.

    ``subject`` and ``body`` may hold the template placeholders (``templates_render.VARIABLES``), filled in
    here; one with no value for this citizen is refused. The letter goes on the citizen's timeline and,
    with ``to_portal``, into their Mon espace (``outgoing_letter_to_portal``). French ``ValidationError``
    on bad input or a subject the actor may not write about; nothing saved then, no number used.
    """
    if not letters_perms.can_write_letter(actor, team=team, file=file, request=request):
        raise ValidationError(_("Vous ne pouvez pas écrire à cet usager au nom de cette équipe."), code="forbidden")
    citizen = file.citizen if file is not None else request.citizen
    if citizen is None:
        raise ValidationError(
            _("Cette demande n'est rattachée à aucune fiche usager : rattachez-la avant d'écrire."), code="citizen"
        )
    values = values_for(citizen=citizen, request=request, appointment_at=appointment_at, author=actor, team=team)
    subject, body = _clean_text(subject=subject, body=body, values=values)
    if to_portal:
        _check_portal(request=request, citizen=citizen)
    year = timezone.localdate().year
    letter = OutgoingLetter(
        year=year,
        number=outgoing_number_next(year=year),
        team=team,
        citizen=citizen,
        file=file,
        request=request,
        template=template,
        recipient_name=citizen_name(citizen),
        recipient_address=_address(citizen),
        subject=subject,
        body=body,
        author=actor,
    )
    save_tracked(letter, actor, "courrier établi")
    timeline_record(
        citizen_id=citizen.pk,
        kind=TimelineEntry.Kind.OUTGOING_LETTER,
        title=_("Courrier envoyé : %(reference)s") % {"reference": letter.reference},
        actor=actor,
        file=file,
        source=letter,
    )
    if to_portal:
        outgoing_letter_to_portal(letter=letter, actor=actor)
    return letter


@transaction.atomic
def outgoing_letter_to_portal(*, letter: OutgoingLetter, actor) -> OutgoingLetter:
    """Put ``letter`` in the citizen's Mon espace, once only. About a request filed online: a message on
    that request with the PDF attached (the citizen is e-mailed by the request's own notice). Otherwise,
    when the citizen has a portal account: ``portal_published_at`` is set and "Mes documents" lists the
    letter. French ``ValidationError`` when neither applies."""
    if letter.portal_message_id is not None or letter.portal_published_at is not None:
        return letter
    _check_portal(request=letter.request, citizen=letter.citizen)
    if not letters_perms.via_request(letter.request):
        letter.portal_published_at = timezone.now()
        return save_tracked(letter, actor, "courrier déposé dans Mon espace")
    pdf = SimpleUploadedFile(f"courrier-{letter.reference}.pdf", letter_pdf(letter), content_type="application/pdf")
    message = request_services.request_message_post(
        request=letter.request,
        author=actor,
        body=_(
            "Le service vous a adressé un courrier (réf. %(reference)s, objet : %(subject)s). "
            "Il est joint à ce message."
        )
        % {"reference": letter.reference, "subject": letter.subject},
        files=[pdf],
        from_citizen=False,
    )
    letter.portal_message = message
    return save_tracked(letter, actor, "courrier déposé dans Mon espace")
