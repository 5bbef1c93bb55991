"""The search form of the lieux (``/lieux/``): it renders the choices; ``mednum.filters`` reads them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from grc.selectors.territory import commune_list
from mednum.models import Frais, PublicAdresse, Service

RADIUS_CHOICES = [("", _("dans la commune")), ("5", "5 km"), ("10", "10 km"), ("20", "20 km"), ("40", "40 km")]


class LieuSearchForm(forms.Form):
    services = forms.MultipleChoiceField(
        label=_("Services"), choices=Service.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    publics = forms.MultipleChoiceField(
        label=_("Publics"), choices=PublicAdresse.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    frais = forms.MultipleChoiceField(
        label=_("Frais"), choices=Frais.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    rayon = forms.ChoiceField(label=_("Distance"), choices=RADIUS_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", _("Toutes les communes"))] + [
            (c.code, c.name) for c in commune_list().only("code", "name")
        ]
