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
            tuple(row) for row in commune_list().values_list("code", "name")
        ]


class LieuProposalForm(forms.Form):
    """What a partner may propose for a place (the values are checked again by ``mednum.moderation``)."""

    nom = forms.CharField(label=_("Nom du lieu"), max_length=200)
    adresse = forms.CharField(label=_("Adresse"), max_length=255)
    complement_adresse = forms.CharField(label=_("Complément d'adresse"), max_length=255, required=False)
    code_postal = forms.CharField(label=_("Code postal"), max_length=5)
    commune = forms.ChoiceField(label=_("Commune"))
    horaires = forms.CharField(
        label=_("Horaires (format OpenStreetMap)"),
        max_length=500,
        required=False,
        help_text=_("Par exemple « Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00 » (Mo = lundi… Su = dimanche)."),
    )
    telephone = forms.CharField(
        label=_("Téléphone"), max_length=16, required=False, help_text=_("Format international : +33299000000.")
    )
    presentation_resume = forms.CharField(
        label=_("Présentation courte"), max_length=280, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    services = forms.MultipleChoiceField(
        label=_("Services"), choices=Service.choices, widget=forms.CheckboxSelectMultiple
    )
    publics_specifiquement_adresses = forms.MultipleChoiceField(
        label=_("Publics spécifiquement accueillis"),
        choices=PublicAdresse.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    frais_a_charge = forms.MultipleChoiceField(
        label=_("Frais"), choices=Frais.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    prise_rdv = forms.URLField(label=_("Lien de prise de rendez-vous"), required=False, assume_scheme="https")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", "—")] + [
            tuple(row) for row in commune_list().values_list("code", "name")
        ]

    @staticmethod
    def initial_for(lieu) -> dict:
        return {name: getattr(lieu, name) for name in LieuProposalForm.base_fields if name != "commune"} | {
            "commune": lieu.commune_id
        }
