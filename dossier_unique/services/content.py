"""What professionals write and file in a social file: notes and documents.

Both follow the same rule (``perms.can_write_note``); their visibility is copied to the timeline
entry so that reading a timeline never reveals a note or a confidential document to someone who
may not read it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grc import uploads
from grc.history import save_tracked

from .. import perms
from ..limits import note_too_long_message
from ..models import NOTE_MAX_LENGTH, Accompaniment, Document, Note, SocialFile, TimelineEntry, Visibility
from ..timeline import timeline_record


def _check_accompaniment(file, accompaniment):
    if accompaniment is not None and accompaniment.file_id != file.pk:
        raise ValidationError(_("Cet accompagnement n'appartient pas à ce dossier."))


def _note_errors(*, text, kind, visibility, accompaniment) -> dict:
    errors = {}
    if not text:
        errors["text"] = _("La note est vide.")
    elif len(text) > NOTE_MAX_LENGTH:
        errors["text"] = note_too_long_message(len(text))
    if kind not in Note.Kind.values:
        errors["kind"] = _("Type de note inconnu.")
    if visibility not in Visibility.values:
        errors["visibility"] = _("Visibilité inconnue.")
    elif visibility == Visibility.TEAM and accompaniment is None:
        errors["visibility"] = _("Une note réservée à l'équipe doit être rattachée à un accompagnement.")
    return errors


@transaction.atomic
def note_write(
    *, file: SocialFile, author, text: str, kind: str, visibility: str, accompaniment: Accompaniment | None = None
) -> Note:
    """Write a note. *team* visibility needs an accompaniment (its team reads the note)."""
    if not perms.can_write_note(author, file):
        raise PermissionDenied
    text = (text or "").strip()
    errors = _note_errors(text=text, kind=kind, visibility=visibility, accompaniment=accompaniment)
    if errors:
        raise ValidationError(errors)
    _check_accompaniment(file, accompaniment)
    note = save_tracked(
        Note(
            file=file,
            accompaniment=accompaniment,
            author=author,
            kind=kind,
            visibility=visibility,
            team_id=accompaniment.team_id if accompaniment else None,
            text=text,
        ),
        author,
        "rédaction",
    )
    timeline_record(
        citizen_id=file.citizen_id,
        file=file,
        kind=TimelineEntry.Kind.NOTE,
        title=note.get_kind_display(),
        actor=author,
        visibility=visibility,
        team=note.team,
        programme=accompaniment.programme if accompaniment else "",
        source=note,
    )
    return note


@transaction.atomic
def document_add(
    *,
    file: SocialFile,
    upload,
    actor,
    doc_type: str,
    accompaniment: Accompaniment | None = None,
    tags: str = "",
    confidential: bool = False,
) -> Document:
    """Add a document, checked by the upload gate (``grc.uploads``, document policy) and stored privately.

    The timeline entry of a confidential document is reserved to the accompaniment's team (or
    to the uploader when there is no accompaniment).
    """
    if not perms.can_write_note(actor, file):
        raise PermissionDenied
    if doc_type not in Document.DocType.values:
        raise ValidationError(_("Type de document inconnu."))
    _check_accompaniment(file, accompaniment)
    checked = uploads.check(upload, uploads.document_policy())
    document = Document(
        file=file,
        accompaniment=accompaniment,
        uploaded_by=actor,
        doc_type=doc_type,
        tags=", ".join(t.strip() for t in (tags or "").split(",") if t.strip())[:255],
        confidential=confidential,
        team_id=accompaniment.team_id if accompaniment else None,
        original_name=(upload.name or "")[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    # Stored before the row: a rollback may leave unreferenced bytes (never readable: no row points
    # at them), which is safer than a row pointing at nothing.
    document.content.save("document", upload, save=False)
    save_tracked(document, actor, "dépôt")
    if confidential:
        visibility = Visibility.TEAM if document.team_id else Visibility.PRIVATE
    else:
        visibility = Visibility.FILE
    timeline_record(
        citizen_id=file.citizen_id,
        file=file,
        kind=TimelineEntry.Kind.DOCUMENT_ADDED,
        title=_("Document ajouté : %(type)s") % {"type": document.get_doc_type_display()},
        actor=actor,
        visibility=visibility,
        team=document.team,
        programme=accompaniment.programme if accompaniment else "",
        source=document,
    )
    return document
