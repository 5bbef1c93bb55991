"""Forms of the decision screens: the amount granted on a subsidy, and the answer to a notary's request."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demandes.decisions import amount_parse

UNKNOWN = "inconnu"
RECOVERABLE_ROWS = 4


def _amount(value: str, *, required: bool):
    """The service's own parsing (« 1 500,50 » accepted), its French message on the field otherwise."""
    try:
        amount = amount_parse(value)
    except ValidationError as error:
        raise ValidationError(error.message_dict["amount"]) from None
    if amount is None and required:
        raise ValidationError(_("Indiquez le montant accordé."))
    return amount


def _candidate_label(citizen, score: float) -> str:
    born = _(", né·e le %(date)s") % {"date": f"{citizen.birth_date:%d/%m/%Y}"} if citizen.birth_date else ""
    return _("%(name)s%(born)s (ressemblance %(score)s %%)") % {
        "name": citizen.display_name,
        "born": born,
        "score": round(score * 100),
    }


class GrantForm(forms.Form):
    # Text, not a number input: « 1 500,50 » is how agents type amounts; the service parses it.
    amount = forms.CharField(
        label=gettext_lazy("Montant accordé (en euros)"),
        max_length=30,
        help_text=gettext_lazy("Au plus le montant demandé ; par exemple 1500 ou 1 500,50."),
        error_messages={"required": gettext_lazy("Indiquez le montant accordé.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Motivation (figure sur la lettre de décision)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def __init__(self, *args, amount_requested=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.amount_requested = amount_requested

    def clean_amount(self):
        amount = _amount(self.cleaned_data["amount"], required=True)
        if self.amount_requested is not None and amount > self.amount_requested:
            raise ValidationError(_("Le montant accordé ne peut dépasser le montant demandé."))
        return amount


class NotaryAnswerForm(forms.Form):
    """Who the deceased is (one of the candidates shown, or unknown) and the recoverable amount per aid."""

    deceased = forms.ChoiceField(
        label=gettext_lazy("Personne décédée"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez la personne identifiée, ou indiquez qu'elle est inconnue."),
            "invalid_choice": gettext_lazy("Choisissez une des personnes proposées."),
        },
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        unknown = _("Inconnue des services d'aide sociale du Département (aucune créance)")
        self.fields["deceased"].choices = [
            (str(citizen.pk), _candidate_label(citizen, score)) for citizen, score in candidates
        ] + [(UNKNOWN, unknown)]
        for index in range(1, RECOVERABLE_ROWS + 1):
            self.fields[f"aid_{index}"] = forms.CharField(
                label=_("Aide n° %(n)s") % {"n": index}, required=False, max_length=200
            )
            self.fields[f"amount_{index}"] = forms.CharField(
                label=_("Montant récupérable n° %(n)s (en euros)") % {"n": index}, required=False, max_length=30
            )

    def rows(self):
        return [(self[f"aid_{i}"], self[f"amount_{i}"]) for i in range(1, RECOVERABLE_ROWS + 1)]

    def clean(self):
        data = super().clean()
        lines = []
        for index in range(1, RECOVERABLE_ROWS + 1):
            label = (data.get(f"aid_{index}") or "").strip()
            raw = (data.get(f"amount_{index}") or "").strip()
            if not label and not raw:
                continue
            if not label:
                self.add_error(f"aid_{index}", _("Indiquez le nom de l'aide dont le montant est récupérable."))
                continue
            try:
                amount = _amount(raw, required=False)
            except ValidationError as error:
                self.add_error(f"amount_{index}", error)
                continue
            if amount is None:
                self.add_error(f"amount_{index}", _("Indiquez le montant récupérable (0 si aucun)."))
                continue
            lines.append((label, amount))
        data["recoverable"] = lines
        return data
