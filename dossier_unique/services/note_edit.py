"""Correcting a note: its author, within 24 hours (``perms.can_edit_note``), with every version kept."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked

from .. import perms
from ..limits import note_too_long_message
from ..models import NOTE_MAX_LENGTH, Note


@transaction.atomic
def note_edit(*, note: Note, text: str, actor) -> Note:
    """Replace the text of ``actor``'s own note written less than 24 hours ago; the note shows as edited
    (``edited_at``) and its history keeps the previous text. Kind, visibility and date stay as written."""
    note = Note.objects.select_for_update().select_related("file").get(pk=note.pk)
    if not perms.can_edit_note(actor, note):
        raise PermissionDenied(_("Seul l'auteur peut corriger sa note, dans les 24 heures."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("La note est vide.")]}, code="required")
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"text": [note_too_long_message(len(text))]}, code="too_long")
    if text == note.text:
        return note
    note.text = text
    note.edited_at = timezone.now()
    return save_tracked(note, actor, "correction par l'auteur")
