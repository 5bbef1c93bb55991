"""Identity mediation forms: dismiss a duplicate suspicion, merge two records, undo a merge.

Forms validate input only; writes happen in the services the views call.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.form_helpers import AccessibleFormMixin


class DismissForm(AccessibleFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Pourquoi ce n'est pas un doublon"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Facultatif : ce qui distingue les deux personnes."),
    )


class MergeForm(AccessibleFormMixin, forms.Form):
    """Which record survives, which value to keep for each differing identity field, and why.

    ``differing`` is a list of ``(field_name, label)``; each becomes a radio ``keep_<name>``
    whose value is ``"a"`` or ``"b"`` (the suspicion's two citizens). ``field_choices()`` turns
    that into the ``{field: "source" | "target"}`` the merge service expects.
    """

    SIDES = (("a", _("Fiche A")), ("b", _("Fiche B")))

    survivor = forms.ChoiceField(
        label=_("Fiche conservée"),
        choices=SIDES,
        widget=forms.RadioSelect,
        help_text=_("L'autre fiche sera fusionnée dans celle-ci ; la fusion peut être annulée."),
    )
    reason = forms.CharField(
        label=_("Motif de la fusion"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif de la fusion.")},
    )

    def __init__(self, *args, differing=(), initial_survivor="a", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].initial = initial_survivor
        self.differing = list(differing)
        for name, label in self.differing:
            self.fields[f"keep_{name}"] = forms.ChoiceField(
                label=label, choices=self.SIDES, widget=forms.RadioSelect, initial=initial_survivor, required=False
            )

    def keep_fields(self):
        return [(name, self[f"keep_{name}"]) for name, _label in self.differing]

    def field_choices(self) -> dict[str, str]:
        survivor = self.cleaned_data["survivor"]
        choices = {}
        for name, _label in self.differing:
            side = self.cleaned_data.get(f"keep_{name}") or survivor
            choices[name] = "target" if side == survivor else "source"
        return choices


class MergeUndoForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indiquez le motif de l'annulation.")},
    )
