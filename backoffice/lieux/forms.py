"""Forms of the lieux management screen (Info sociale team)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi retirer ce lieu de la carte ?"),
        max_length=200,
        help_text=_("Par exemple : fermé définitivement, doublon, déménagé. Gardé dans l'historique du lieu."),
    )


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Afficher"),
        required=False,
        choices=[
            ("", _("Tous les lieux")),
            ("published", _("Sur la carte")),
            ("withdrawn", _("Retirés de la carte")),
            ("stale", _("Non mis à jour depuis 12 mois")),
        ],
    )
