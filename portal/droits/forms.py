"""The steps of « Estimer mes droits »: one form per page, checked on the server, French errors per field.

Step 1 says who lives in the home (ages only: no name, no birth date is asked); steps 2 and 3 have one group of
fields per adult of step 1 (``adult_keys``); step 4 the housing; step 5 the benefits already received. Every
field is lenient on what a person types (« 1 200,50 », spaces, an empty amount = 0) and strict on what it means
(no negative amount, no absurd age, at most 12 children, a commune of Ille-et-Vilaine).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from droits.engine import BENEFITS
from droits.engine.situation import HOUSING_STATUSES

MAX_CHILDREN = 12
MAX_OTHER_ADULTS = 6
MAX_AMOUNT = Decimal("100000")
CHILD_MAX_AGE = 25
APA_MIN_AGE = 60  # the APA is for people of 60 and over (CASF L232-1): the GIR is asked from that age

ACTIVITIES = [
    ("salarie", gettext_lazy("Salarié(e)")),
    ("independant", gettext_lazy("Travailleur indépendant")),
    ("chomeur", gettext_lazy("Demandeur d'emploi")),
    ("etudiant", gettext_lazy("Étudiant(e)")),
    ("retraite", gettext_lazy("Retraité(e)")),
    ("inactif", gettext_lazy("Sans activité, autre situation")),
]
HOUSING_LABELS = {
    "locataire": gettext_lazy("Locataire"),
    "proprietaire": gettext_lazy("Propriétaire (sans emprunt en cours)"),
    "accedant": gettext_lazy("Propriétaire qui rembourse un emprunt"),
    "heberge_gratuit": gettext_lazy("Hébergé(e) gratuitement"),
    "sans_domicile": gettext_lazy("Sans domicile stable"),
}
RESOURCES = [
    ("salaire", "salary_monthly", gettext_lazy("Salaire net")),
    ("independant", "self_employed_monthly", gettext_lazy("Revenu d'activité indépendante")),
    ("chomage", "unemployment_monthly", gettext_lazy("Allocation chômage")),
    ("pension", "pension_monthly", gettext_lazy("Retraite ou pension d'invalidité")),
    ("autres", "other_income_monthly", gettext_lazy("Autres revenus (pension alimentaire reçue…)")),
]


def parse_amount(text) -> Decimal:
    """A monthly amount in euros as a person types it (« 1 200,50 », « 800 € »); empty = 0."""
    cleaned = re.sub(r"[\s\u202f\u00a0€]", "", str(text or "")).replace(",", ".")
    if not cleaned:
        return Decimal(0)
    if not re.fullmatch(r"-?\d{1,12}(\.\d{0,2})?", cleaned):
        raise ValidationError(_("Indiquez un montant en euros, par exemple 850 ou 850,50."))
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:  # the pattern above makes this unreachable, kept as a guard
        raise ValidationError(_("Indiquez un montant en euros.")) from error
    if value < 0:
        raise ValidationError(_("Un montant ne peut pas être négatif."))
    if value > MAX_AMOUNT:
        raise ValidationError(_("Ce montant dépasse 100 000 € par mois : vérifiez-le."))
    return value


class AmountField(forms.CharField):
    """A monthly amount in euros, 0 when left empty."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update(inputmode="decimal", autocomplete="off", size="10", maxlength="20")

    def to_python(self, value):
        text = super().to_python(value)
        if len(text) > 20:
            raise ValidationError(_("Indiquez un montant en euros, par exemple 850 ou 850,50."))
        return parse_amount(text)


def _age_field(label, *, required=True, minimum=0):
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=minimum,
        max_value=120,
        error_messages={
            "required": _("Indiquez l'âge."),
            "invalid": _("Indiquez un âge en années, en chiffres."),
            "min_value": _("L'âge doit être d'au moins %(limit_value)s ans."),
            "max_value": _("L'âge ne peut pas dépasser %(limit_value)s ans."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": "4"}),
    )


def parse_ages(text, *, minimum: int, maximum: int, most: int, what: str) -> list[int]:
    """Ages separated by commas, spaces or semicolons (« 3, 7, 15 »)."""
    parts = [p for p in re.split(r"[\s,;/]+", str(text or "").strip()) if p]
    if len(parts) > most:
        raise ValidationError(_("Au plus %(most)s %(what)s.") % {"most": most, "what": what})
    ages = []
    for part in parts:
        if not part.isdigit() or len(part) > 3:
            raise ValidationError(_("« %(value)s » n'est pas un âge en années.") % {"value": part[:20]})
        age = int(part)
        if not minimum <= age <= maximum:
            raise ValidationError(
                _("Chaque âge va de %(min)s à %(max)s ans (« %(value)s »).")
                % {"min": minimum, "max": maximum, "value": part}
            )
        ages.append(age)
    return ages


class HouseholdForm(forms.Form):
    """Step 1: who lives in the home."""

    couple = forms.ChoiceField(
        label=gettext_lazy("Vous vivez"),
        choices=[("seul", gettext_lazy("seul(e)")), ("couple", gettext_lazy("en couple"))],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Dites si vous vivez seul(e) ou en couple.")},
    )
    age = _age_field(gettext_lazy("Votre âge"), minimum=16)
    age_conjoint = _age_field(gettext_lazy("Âge de votre conjoint(e)"), required=False, minimum=16)
    ages_enfants = forms.CharField(
        label=gettext_lazy("Âge de chaque enfant à votre charge"),
        help_text=gettext_lazy("Séparés par des virgules, par exemple : 3, 7, 15. Laissez vide s'il n'y en a pas."),
        required=False,
        max_length=200,
    )
    ages_autres = forms.CharField(
        label=gettext_lazy("Âge des autres adultes qui vivent avec vous"),
        help_text=gettext_lazy("Un parent, un ami… Séparés par des virgules. Laissez vide s'il n'y en a pas."),
        required=False,
        max_length=200,
    )

    def clean_ages_enfants(self):
        return parse_ages(
            self.cleaned_data["ages_enfants"], minimum=0, maximum=CHILD_MAX_AGE, most=MAX_CHILDREN, what=_("enfants")
        )

    def clean_ages_autres(self):
        return parse_ages(
            self.cleaned_data["ages_autres"], minimum=18, maximum=120, most=MAX_OTHER_ADULTS, what=_("autres adultes")
        )

    def clean(self):
        data = super().clean()
        if data.get("couple") == "couple" and data.get("age_conjoint") is None and "age_conjoint" not in self.errors:
            self.add_error("age_conjoint", _("Indiquez l'âge de votre conjoint(e)."))
        return data


def adults_of(household: dict) -> list[tuple[str, str, int]]:
    """The adults of a checked step 1: ``(key, label, age)``, the person first."""
    adults = [("demandeur", _("Vous"), household["age"])]
    if household.get("couple") == "couple" and household.get("age_conjoint") is not None:
        adults.append(("conjoint", _("Votre conjoint(e)"), household["age_conjoint"]))
    for index, age in enumerate(household.get("ages_autres") or [], start=1):
        adults.append((f"autre{index}", _("Autre adulte n° %(n)s (%(age)s ans)") % {"n": index, "age": age}, age))
    return adults


class _PerAdultForm(forms.Form):
    """A form with one group of fields per adult (``groups``: ``[(key, label, [field names])]``)."""

    def __init__(self, *args, adults: list[tuple[str, str, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.adults = adults
        self.groups = []
        for key, label, age in adults:
            names = self.add_fields(key, age)
            self.groups.append((key, label, [self[name] for name in names]))

    def add_fields(self, key: str, age: int) -> list[str]:
        raise NotImplementedError


class ActivityForm(_PerAdultForm):
    """Step 2: each adult's activity, disability rate recognised by the MDPH, and GIR (60 and over) if known."""

    def add_fields(self, key, age):
        self.fields[f"{key}_activite"] = forms.ChoiceField(
            label=_("Situation"),
            choices=[("", _("Choisissez…")), *ACTIVITIES],
            error_messages={"required": _("Choisissez une situation."), "invalid_choice": _("Situation inconnue.")},
        )
        self.fields[f"{key}_taux"] = forms.IntegerField(
            label=_("Taux d'incapacité reconnu par la MDPH (en %)"),
            help_text=_("Laissez vide si aucun taux n'a été reconnu."),
            required=False,
            min_value=0,
            max_value=100,
            error_messages={
                "invalid": _("Indiquez un pourcentage en chiffres, de 0 à 100."),
                "min_value": _("Le taux va de 0 à 100 %%."),
                "max_value": _("Le taux va de 0 à 100 %%."),
            },
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": "4"}),
        )
        names = [f"{key}_activite", f"{key}_taux"]
        if age >= APA_MIN_AGE:
            self.fields[f"{key}_gir"] = forms.TypedChoiceField(
                label=_("GIR (degré de perte d'autonomie), s'il a été évalué"),
                choices=[("", _("Non évalué ou je ne sais pas")), *((str(g), f"GIR {g}") for g in range(1, 7))],
                coerce=int,
                empty_value=None,
                required=False,
                error_messages={"invalid_choice": _("Le GIR va de 1 à 6.")},
            )
            names.append(f"{key}_gir")
        return names


class ResourcesForm(_PerAdultForm):
    """Step 3: each adult's net monthly resources (average of the last three months)."""

    def add_fields(self, key, age):
        names = []
        for suffix, _attr, label in RESOURCES:
            name = f"{key}_{suffix}"
            self.fields[name] = AmountField(label=_("%(label)s (€ par mois)") % {"label": label})
            names.append(name)
        return names


class HousingForm(forms.Form):
    """Step 4: housing status, rent, commune (one of the 332 communes of Ille-et-Vilaine)."""

    statut = forms.ChoiceField(
        label=gettext_lazy("Votre logement"),
        choices=[(s, HOUSING_LABELS.get(s, s)) for s in HOUSING_STATUSES],
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez votre situation de logement."),
            "invalid_choice": gettext_lazy("Situation de logement inconnue."),
        },
    )
    loyer = AmountField(
        label=gettext_lazy("Loyer hors charges ou mensualité d'emprunt (€ par mois)"),
        help_text=gettext_lazy("Laissez vide si vous n'en payez pas."),
    )
    colocation = forms.BooleanField(label=gettext_lazy("Je vis en colocation"), required=False)
    commune = forms.ChoiceField(
        label=gettext_lazy("Votre commune"),
        error_messages={
            "required": gettext_lazy("Choisissez votre commune."),
            "invalid_choice": gettext_lazy("Choisissez une commune d'Ille-et-Vilaine dans la liste."),
        },
    )

    def __init__(self, *args, communes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", _("Choisissez votre commune…")), *communes]

    def clean(self):
        data = super().clean()
        if data.get("statut") in ("locataire", "accedant") and not data.get("loyer") and "loyer" not in self.errors:
            self.add_error("loyer", _("Indiquez le loyer ou la mensualité que vous payez."))
        return data


class ReceivedForm(forms.Form):
    """Step 5: the benefits the household already receives (shown as such on the result)."""

    percues = forms.MultipleChoiceField(
        label=gettext_lazy("Les aides que votre foyer perçoit déjà"),
        help_text=gettext_lazy("Cochez celles que vous recevez ; aucune si ce n'est pas le cas."),
        choices=[(b.code, b.label) for b in BENEFITS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("Aide inconnue : « %(value)s ».")},
    )


class PrefillForm(forms.Form):
    """The explicit consent (never pre-ticked) before anything of the account is read."""

    consentement = forms.BooleanField(
        label=gettext_lazy(
            "J'accepte que la composition de mon foyer et ma commune soient lues dans mon compte pour pré-remplir "
            "ce questionnaire (elles ne sont pas enregistrées avec l'estimation)."
        ),
        error_messages={"required": gettext_lazy("Cochez la case pour autoriser la lecture de votre compte.")},
    )
