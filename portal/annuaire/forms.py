"""Forms of the annuaire on the portal: the public search (its choices are the official data·inclusion
enumerations), a claim by SIRET, and the representatives' proposals for their structure and services."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from annuaire import schema
from annuaire.models import Service, Structure
from annuaire.validation import SERVICE_EDITABLE, STRUCTURE_EDITABLE
from grc.models import Commune, Epci


def communes_choices() -> list[tuple[str, str]]:
    """(INSEE code, name) of the Département's communes, by name."""
    return list(Commune.objects.order_by("name").values_list("code", "name"))


RADIUS_CHOICES = [("5", "5 km"), ("10", "10 km"), ("20", "20 km"), ("40", "40 km")]


def thematique_choices() -> list:
    """Categories, each followed by its sub-themes (a category finds all of them)."""
    groups = []
    for categorie in schema.Categorie:
        subs = [(t.value, t.label) for t in schema.Thematique if t.value.startswith(categorie.value + "--")]
        groups.append((categorie.label, [(categorie.value, _("Toute la catégorie")), *subs]))
    return [("", _("Toutes les thématiques")), *groups]


class SearchForm(forms.Form):
    """The search of ``/annuaire/`` and ``/annuaire/integrer/``: every criterion is in the URL."""

    thematiques = forms.ChoiceField(label=_("Thématique"), required=False)
    publics = forms.ChoiceField(label=_("Public"), required=False)
    frais = forms.ChoiceField(label=_("Frais"), required=False)
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    rayon = forms.ChoiceField(label=_("Distance"), choices=RADIUS_CHOICES, required=False, initial="10")
    territoire = forms.ChoiceField(label=_("Territoire (EPCI)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["thematiques"].choices = thematique_choices()
        self.fields["publics"].choices = [("", _("Tous les publics"))] + [(p.value, p.label) for p in schema.Public]
        self.fields["frais"].choices = [("", _("Gratuit ou payant"))] + [(f.value, f.label) for f in schema.Frais]
        self.fields["commune"].choices = [("", _("Toutes les communes")), *communes_choices()]
        self.fields["territoire"].choices = [("", _("Tout le département"))] + [
            (e.code, e.name) for e in Epci.objects.filter(communes__isnull=False).distinct().order_by("name")
        ]


class ClaimForm(forms.Form):
    siret = forms.CharField(label=_("SIRET de la structure"), max_length=20, help_text=_("14 chiffres."))
    message = forms.CharField(
        label=_("Votre fonction dans la structure"), required=False, max_length=2000, widget=forms.Textarea
    )


def _formfield(field, **kwargs):
    """Multiple choices as checkboxes (an ``ArrayField`` of choices), other fields as Django makes them."""
    base = getattr(field, "base_field", None)
    if base is not None and base.choices:
        return forms.MultipleChoiceField(
            label=field.verbose_name.capitalize(),
            choices=base.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
    if base is not None:  # zone_eligibilite: codes separated by commas
        return forms.CharField(
            label=field.verbose_name.capitalize(),
            required=False,
            help_text=_("Codes INSEE de communes, codes SIREN d'EPCI ou « 35 », séparés par des virgules."),
        )
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


def _proposal_form(model, editable):
    fields = [name for name in editable if name not in ("structure", "commune", "latitude", "longitude")]
    # A plain form: the values are checked by the moderation's validator (``change_propose``), not here.
    return type(
        f"{model.__name__}ProposalForm",
        (forms.Form,),
        dict(forms.fields_for_model(model, fields, formfield_callback=_formfield)),
    )


def proposal_initial(obj, form_class) -> dict:
    """The record's current values as the form's initial values."""
    initial = {name: getattr(obj, name) for name in form_class.base_fields}
    if "zone_eligibilite" in initial:
        initial["zone_eligibilite"] = ", ".join(initial["zone_eligibilite"])
    return initial


StructureProposalForm = _proposal_form(Structure, STRUCTURE_EDITABLE)
ServiceProposalForm = _proposal_form(Service, SERVICE_EDITABLE)


def proposal_data(form) -> dict:
    """The form's values in the proposal's JSON shape (lists for the multiple choices)."""
    data = {}
    for name in form.fields:
        value = form.cleaned_data.get(name)
        if name == "zone_eligibilite":
            value = [part.strip() for part in (value or "").split(",") if part.strip()]
        data[name] = value if value is not None else ""
    return data
