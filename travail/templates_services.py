"""Writes of message templates: a team manager creates, changes and deletes their team's templates.

Each write keeps its history row with the acting manager (``grc.history.save_tracked``); a deletion
leaves its last version in the history and the letters made from it keep their own text.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grc.history import save_tracked

from . import letters_perms
from .models import TEMPLATE_BODY_MAX_LENGTH, TEMPLATE_NAME_MAX_LENGTH, MessageTemplate
from .templates_render import placeholder_errors


def _clean(*, team, name: str, body: str, exclude_pk=None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Donnez un nom au modèle.")]
    elif len(name) > TEMPLATE_NAME_MAX_LENGTH:
        errors["name"] = [_("Le nom est trop long (100 caractères au plus).")]
    elif MessageTemplate.objects.filter(team=team, name__iexact=name).exclude(pk=exclude_pk).exists():
        errors["name"] = [_("Votre équipe a déjà un modèle de ce nom.")]
    if not body:
        errors["body"] = [_("Le texte du modèle est vide.")]
    elif len(body) > TEMPLATE_BODY_MAX_LENGTH:
        errors["body"] = [_("Le texte est trop long (5 000 caractères au plus).")]
    else:
        body_errors = placeholder_errors(body)
        if body_errors:
            errors["body"] = body_errors
    if errors:
        raise ValidationError(errors)
    return name, body


def _require_manager(actor, team_id) -> None:
    if not letters_perms.can_manage_templates(actor, team_id):
        raise ValidationError(_("Seuls les responsables de l'équipe gèrent ses modèles."), code="forbidden")


@transaction.atomic
def message_template_create(*, actor, team, name: str, body: str) -> MessageTemplate:
    """A new template of ``team`` (``actor`` manages it). French ``ValidationError`` on a blank or too long
    name or body, a name the team already uses, or an unknown or malformed placeholder; nothing saved."""
    _require_manager(actor, team.pk)
    name, body = _clean(team=team, name=name, body=body)
    return save_tracked(MessageTemplate(team=team, name=name, body=body, created_by=actor), actor, "modèle créé")


@transaction.atomic
def message_template_update(*, actor, template: MessageTemplate, name: str, body: str) -> MessageTemplate:
    """Change a template's name and text (same rules as ``message_template_create``)."""
    _require_manager(actor, template.team_id)
    template.name, template.body = _clean(team=template.team, name=name, body=body, exclude_pk=template.pk)
    return save_tracked(template, actor, "modèle modifié")


@transaction.atomic
def message_template_delete(*, actor, template: MessageTemplate) -> None:
    """Delete a template; its history keeps the last version and who deleted it."""
    _require_manager(actor, template.team_id)
    template._history_user = actor
    template.delete()
