"""Forms of message templates and outgoing letters (back office). The rules (placeholders, lengths,
rights) are the services'; these forms only carry the fields and their sizes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from travail.models import (
    LETTER_BODY_MAX_LENGTH,
    LETTER_SUBJECT_MAX_LENGTH,
    TEMPLATE_BODY_MAX_LENGTH,
    TEMPLATE_NAME_MAX_LENGTH,
)
from travail.templates_render import VARIABLES


def variables_help() -> str:
    names = ", ".join("{{ " + name + " }}" for name in VARIABLES)
    return gettext("Variables possibles : %(names)s.") % {"names": names}


class MessageTemplateForm(forms.Form):
    team = forms.TypedChoiceField(label=_("Équipe"), coerce=int)
    name = forms.CharField(label=_("Nom du modèle"), max_length=TEMPLATE_NAME_MAX_LENGTH)
    # No max_length here: the service says in French that a body is too long, as for every other rule.
    body = forms.CharField(label=_("Texte"), widget=forms.Textarea(attrs={"rows": 12}), strip=False)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(t.pk, t.name) for t in teams]
        self.fields["body"].widget.attrs["maxlength"] = TEMPLATE_BODY_MAX_LENGTH
        self.fields["body"].help_text = variables_help()


class LetterForm(forms.Form):
    team = forms.TypedChoiceField(label=_("Au nom de l'équipe"), coerce=int)
    subject = forms.CharField(label=_("Objet"), max_length=LETTER_SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Texte du courrier"),
        widget=forms.Textarea(attrs={"rows": 16}),
        strip=False,
    )
    # Which template the text came from (kept on the letter); a tampered value only loses that link.
    template_id = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    to_portal = forms.BooleanField(
        label=_("Déposer aussi ce courrier dans Mon espace (l'usager est prévenu par courriel)"), required=False
    )

    def __init__(self, *args, teams=(), portal=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(t.pk, t.name) for t in teams]
        self.fields["body"].widget.attrs["maxlength"] = LETTER_BODY_MAX_LENGTH
        self.fields["body"].help_text = variables_help()
        if not portal:
            del self.fields["to_portal"]
