"""The quick form of a digital-help session: radio buttons and checkboxes, a few seconds at the counter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accueil.models import HelpSession

DURATIONS = [("", _("Non précisée")), ("5", "5 min"), ("10", "10 min"), ("15", "15 min"), ("30", "30 min")]
DURATIONS += [("45", "45 min"), ("60", _("1 h")), ("90", _("1 h 30"))]


class HelpSessionForm(forms.Form):
    """What the agent ticks; the citizen is chosen apart (search, then a radio among the hits)."""

    level = forms.ChoiceField(
        label=_("Niveau d'aide"),
        choices=HelpSession.Level.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez le niveau d'aide."),
            "invalid_choice": _("Choisissez le niveau d'aide."),
        },
    )
    procedures = forms.MultipleChoiceField(
        label=_("Démarches concernées"),
        choices=HelpSession.Procedure.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Cochez au moins une démarche."),
            "invalid_choice": _("Choisissez les démarches dans la liste."),
        },
    )
    outcome = forms.ChoiceField(
        label=_("Résultat"),
        choices=HelpSession.Outcome.choices,
        widget=forms.RadioSelect,
        initial="abouti",
        error_messages={"required": _("Choisissez le résultat."), "invalid_choice": _("Choisissez le résultat.")},
    )
    orientation = forms.CharField(
        label=_("Orientation"),
        required=False,
        max_length=300,
        help_text=_("Vers quel lieu ou service (France Services, CAF, conseiller numérique…), si orientée."),
    )
    orientation_place = forms.IntegerField(
        label=_("Lieu de la carte"),
        required=False,
        widget=forms.Select,
        help_text=_("Les lieux de médiation numérique les plus proches d'abord (distance depuis ce lieu d'accueil)."),
        error_messages={"invalid": _("Choisissez un lieu dans la liste.")},
    )
    consent = forms.BooleanField(
        label=_("La personne accepte que je fasse la démarche à sa place (substitution)."), required=False
    )
    place_kind = forms.ChoiceField(
        label=_("Cadre"),
        choices=HelpSession.PlaceKind.choices,
        widget=forms.RadioSelect,
        initial="guichet",
        error_messages={"required": _("Choisissez le cadre de la séance.")},
    )
    commune = forms.ChoiceField(label=_("Commune de résidence"), required=False, choices=())
    duration_minutes = forms.TypedChoiceField(
        label=_("Durée"),
        choices=DURATIONS,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    held_on = forms.DateField(
        label=_("Date de la séance"),
        required=False,
        help_text=_("Laissez vide pour aujourd'hui ; au plus 31 jours en arrière."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    citizen = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Rechercher un usager (facultatif)"), required=False, max_length=200)

    def __init__(self, *args, communes=(), places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orientation_place"].widget.choices = place_choices(places)
        sector = [(c.code, c.name) for c in communes if c.in_sector]
        others = [(c.code, c.name) for c in communes if not c.in_sector]
        choices = [("", _("Inconnue ou hors département"))]
        if sector:
            choices.append((_("Secteur du CDAS"), sector))
        choices.append((_("Autres communes") if sector else _("Communes"), others))
        self.fields["commune"].choices = choices


def place_choices(places) -> list:
    """The choices of the place of orientation: ``(place, km)`` pairs, nearest first, as the selector gives them."""
    return [("", _("Aucun lieu de la carte"))] + [
        (place.pk, place.nom if km is None else f"{place.nom} ({place.commune.name}, {km:.0f} km)")
        for place, km in places
    ]
