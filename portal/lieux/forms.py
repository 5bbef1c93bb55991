"""The search form of the lieux (``/lieux/``: it renders the choices, ``mednum.filters`` reads them) and the partners'
proposal form (every field of the standard they keep)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grc.selectors.territory import commune_list
from mednum.models import (
    DispositifProgramme,
    FormationLabel,
    Frais,
    Itinerance,
    ModaliteAcces,
    ModaliteAccompagnement,
    PriseEnCharge,
    PublicAdresse,
    Service,
    phone_validator,
    pivot_validator,
    postcode_validator,
    validate_horaires,
)
from mednum.typologies import Typologie

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


def _checkboxes(label, choices, *, required=False, help_text=""):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=required, help_text=help_text, widget=forms.CheckboxSelectMultiple
    )


class ListField(forms.CharField):
    """Several values in one text box, separated by commas or line breaks; each checked by ``item_field``."""

    def __init__(self, *, item_field: forms.Field, item_error: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)
        self.item_field, self.item_error = item_field, item_error

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def clean(self, value):
        text = super().clean(value)
        items = [item.strip() for item in re.split(r"[,\n]", text or "") if item.strip()]
        cleaned, wrong = [], []
        for item in items:
            try:
                cleaned.append(self.item_field.clean(item))
            except ValidationError:
                wrong.append(item)
        if wrong:
            raise ValidationError(self.item_error % {"values": ", ".join(wrong)}, code="invalid")
        return list(dict.fromkeys(cleaned))


class LieuProposalForm(forms.Form):
    """Every field of the « lieux de médiation numérique » standard a partner keeps (the values are checked again
    by ``mednum.moderation`` against the model and the data·inclusion mapping): enumerations as the standard's
    lists, opening hours in the OpenStreetMap grammar, several e-mails or sites in one box."""

    nom = forms.CharField(label=_("Nom du lieu"), max_length=200)
    pivot = forms.CharField(
        label=_("SIRET ou RNA"), max_length=14, required=False, validators=[pivot_validator],
        help_text=_("14 chiffres (SIRET) ou W suivi de 9 chiffres (RNA)."),
    )  # fmt: skip
    typologie = _checkboxes(_("Typologie"), Typologie.choices)
    structure_parente = forms.CharField(label=_("Structure parente"), max_length=200, required=False)
    adresse = forms.CharField(label=_("Adresse"), max_length=255)
    complement_adresse = forms.CharField(label=_("Complément d'adresse"), max_length=255, required=False)
    code_postal = forms.CharField(label=_("Code postal"), max_length=5, validators=[postcode_validator])
    commune = forms.ChoiceField(label=_("Commune"))
    latitude = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90,
        help_text=_("Facultatif : sinon le lieu est placé au centre de la commune."),
    )  # fmt: skip
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    itinerance = _checkboxes(_("Itinérance"), Itinerance.choices, help_text=_("Un lieu fixe, itinérant, ou les deux."))
    horaires = forms.CharField(
        label=_("Horaires (format OpenStreetMap)"),
        max_length=500,
        required=False,
        validators=[validate_horaires],
        help_text=_(
            "Par exemple « Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off » (Mo = lundi… Su = dimanche, "
            "PH off = fermé les jours fériés)."
        ),
    )
    telephone = forms.CharField(
        label=_("Téléphone"), max_length=16, required=False, validators=[phone_validator],
        help_text=_("Format international : +33299000000."),
    )  # fmt: skip
    courriels = ListField(
        label=_("Courriels"), item_field=forms.EmailField(), help_text=_("Séparés par des virgules."),
        item_error=_("Adresse(s) électronique(s) invalide(s) : %(values)s."),
    )  # fmt: skip
    site_web = ListField(
        label=_("Sites web"), item_field=forms.URLField(assume_scheme="https"),
        help_text=_("Adresses complètes (https://…), séparées par des virgules."),
        item_error=_("Adresse(s) de site invalide(s) : %(values)s."),
    )  # fmt: skip
    presentation_resume = forms.CharField(
        label=_("Présentation courte"), max_length=280, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    presentation_detail = forms.CharField(
        label=_("Présentation détaillée"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    services = _checkboxes(_("Services"), Service.choices, required=True)
    publics_specifiquement_adresses = _checkboxes(_("Publics spécifiquement accueillis"), PublicAdresse.choices)
    prise_en_charge_specifique = _checkboxes(_("Prise en charge spécifique"), PriseEnCharge.choices)
    frais_a_charge = _checkboxes(_("Frais"), Frais.choices)
    modalites_acces = _checkboxes(_("Modalités d'accès"), ModaliteAcces.choices)
    modalites_accompagnement = _checkboxes(_("Modalités d'accompagnement"), ModaliteAccompagnement.choices)
    prise_rdv = forms.URLField(label=_("Lien de prise de rendez-vous"), required=False, assume_scheme="https")
    dispositif_programmes_nationaux = _checkboxes(
        _("Dispositifs et programmes nationaux"), DispositifProgramme.choices
    )
    formations_labels = _checkboxes(_("Formations et labels"), FormationLabel.choices)
    autres_formations_labels = ListField(
        label=_("Autres formations et labels"), item_field=forms.CharField(max_length=120),
        help_text=_("Séparés par des virgules, 120 caractères au plus chacun."),
        item_error=_("Libellé(s) trop long(s) (120 caractères au plus) : %(values)s."),
    )  # fmt: skip
    fiche_acces_libre = forms.URLField(
        label=_("Fiche Accès libre (accessibilité)"), required=False, assume_scheme="https"
    )

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

    @classmethod
    def checkbox_names(cls) -> list[str]:
        """The fields drawn as a group of checkboxes (a fieldset with its legend)."""
        boxes = forms.CheckboxSelectMultiple
        return [name for name, field in cls.base_fields.items() if isinstance(field.widget, boxes)]
