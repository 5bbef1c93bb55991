"""Forms of rights estimates on the social file: the consent, the recorded situation and its members."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from droits.engine import BENEFITS
from droits.models import EstimateConsent, RecordedSituation, SituationMember

# ``localize``: agents type a French decimal comma ("452,50").
MONEY = {
    "localize": True,
    "min_value": 0,
    "max_value": 9999999,
    "max_digits": 9,
    "decimal_places": 2,
    "required": False,
}


class ConsentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Comment la personne a-t-elle donné son consentement ?"),
        choices=EstimateConsent.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Indiquez comment la personne a donné son consentement.")},
    )


class SituationForm(forms.Form):
    housing_status = forms.ChoiceField(
        label=_("Logement"),
        choices=[("", "—"), *RecordedSituation.HousingStatus.choices],
        error_messages={"required": _("Choisissez la situation de logement.")},
    )
    rent_monthly = forms.DecimalField(label=_("Loyer mensuel hors charges ou mensualité d'emprunt (€)"), **MONEY)
    commune = forms.ChoiceField(label=_("Commune du logement"), required=False)
    shared_housing = forms.BooleanField(label=_("Colocation"), required=False)
    already_receives = forms.MultipleChoiceField(
        label=_("Prestations que le foyer perçoit déjà"),
        choices=[(b.code, b.label) for b in BENEFITS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", "—"), *((c.code, c.name) for c in communes)]


class MemberForm(forms.Form):
    citizen = forms.IntegerField(widget=forms.HiddenInput, required=False)
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=SituationMember.Role.choices,
        error_messages={"required": _("Choisissez le rôle de la personne dans le foyer.")},
    )
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("La date de naissance est obligatoire."), "invalid": _("Date invalide.")},
    )
    salary_monthly = forms.DecimalField(label=_("Salaires (€/mois)"), **MONEY)
    self_employed_monthly = forms.DecimalField(label=_("Activité indépendante (€/mois)"), **MONEY)
    unemployment_monthly = forms.DecimalField(label=_("Allocations chômage (€/mois)"), **MONEY)
    pension_monthly = forms.DecimalField(label=_("Pensions, retraites (€/mois)"), **MONEY)
    other_income_monthly = forms.DecimalField(label=_("Autres revenus (€/mois)"), **MONEY)
    disability_rate = forms.IntegerField(label=_("Taux d'incapacité (%)"), min_value=0, max_value=100, required=False)
    gir = forms.IntegerField(label=_("GIR"), min_value=1, max_value=6, required=False)
    student = forms.BooleanField(label=_("Étudiant"), required=False)


MemberFormSet = formset_factory(MemberForm, extra=1, can_delete=True, max_num=20, validate_max=True)
