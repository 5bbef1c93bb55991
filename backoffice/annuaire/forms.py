"""Back-office forms of the annuaire: moderation decisions, the import file, the orientation search."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.annuaire.forms import RADIUS_CHOICES, thematique_choices


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Motif du refus (envoyé à l'auteur)"), max_length=500, widget=forms.Textarea)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier data·inclusion"), help_text=_("JSON ou CSV, schéma v1 (ou v0 tel que DORA l'exporte).")
    )


class OrientationSearchForm(forms.Form):
    thematiques = forms.ChoiceField(label=_("Thématique"))
    rayon = forms.ChoiceField(label=_("Distance du domicile"), choices=RADIUS_CHOICES, initial="10")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["thematiques"].choices = thematique_choices()[1:]


class OrientationForm(forms.Form):
    service = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(label=_("Commentaire (facultatif)"), max_length=150, required=False)
