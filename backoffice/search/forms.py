"""The global search form: the text, and the type and programme filters of the results page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dossier_unique.models import Programme

KIND_LABELS = {
    "citizen": _("Usagers"),
    "file": _("Dossiers sociaux"),
    "note": _("Notes"),
    "request": _("Demandes"),
    "mail": _("Courriers"),
}


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher"),
        max_length=200,
        strip=True,
        error_messages={
            "required": _("Saisissez un nom, une date de naissance, un numéro ou quelques mots."),
            "max_length": _("Au plus 200 caractères."),
        },
    )
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Tout"))] + list(KIND_LABELS.items()))
    programme = forms.ChoiceField(label=_("Dispositif"), required=False, choices=[("", _("Tous"))] + Programme.choices)
    page = forms.IntegerField(required=False, min_value=1, max_value=100)
