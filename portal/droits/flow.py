"""The questionnaire's state: the answers typed so far, in the visitor's session only, and the household they say.

Nothing here touches a table of ours: the answers are the raw strings of each step's POST, kept under one session
key (``SESSION_KEY``) until « Effacer mes réponses », the end of the session, or ``TTL_SECONDS`` without a step
(a shared computer in a library must not show the previous visitor's answers the next day). Raw strings, not
cleaned values, so that going back shows exactly what was typed, errors included.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from droits.engine import Housing, Member, Situation

from .forms import RESOURCES, ActivityForm, HouseholdForm, HousingForm, ReceivedForm, ResourcesForm, adults_of

SESSION_KEY = "droits_estimation"
TTL_SECONDS = 2 * 3600


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: str  # lazy French


STEPS = (
    Step(1, "foyer", _("Votre foyer")),
    Step(2, "situation", _("Votre situation")),
    Step(3, "ressources", _("Vos ressources")),
    Step(4, "logement", _("Votre logement")),
    Step(5, "aides", _("Les aides que vous percevez")),
)
LAST_STEP = len(STEPS)


def answers_of(session) -> dict:
    """The raw answers per step key (``{}`` when none, or when they are older than ``TTL_SECONDS``)."""
    state = session.get(SESSION_KEY)
    if not isinstance(state, dict):
        return {}
    if time.time() - float(state.get("at") or 0) > TTL_SECONDS:
        session.pop(SESSION_KEY, None)
        return {}
    answers = state.get("answers")
    return answers if isinstance(answers, dict) else {}


def answers_save(session, *, step_key: str, data: dict) -> None:
    """Keep one step's raw answers (strings, or lists of strings for checkboxes)."""
    answers = dict(answers_of(session))
    answers[step_key] = data
    session[SESSION_KEY] = {"at": time.time(), "answers": answers}


def answers_clear(session) -> None:
    """Forget every answer (« Effacer mes réponses »)."""
    session.pop(SESSION_KEY, None)


def raw_of(post, form) -> dict:
    """What a step's POST holds for that form's fields, as JSON-ready strings (lists for multiple choices)."""
    raw = {}
    for name, field in form.fields.items():
        if hasattr(field, "choices") and field.widget.allow_multiple_selected:
            raw[name] = [str(v)[:100] for v in post.getlist(name)][:20]
        elif name in post:
            raw[name] = str(post.get(name))[:200]
    return raw


def as_querydict(raw: dict | None) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in (raw or {}).items():
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        else:
            data[name] = str(value)
    return data


def household_of(answers: dict) -> dict | None:
    """Step 1's checked answers, or None while it is not answered correctly."""
    form = HouseholdForm(as_querydict(answers.get("foyer")))
    return form.cleaned_data if "foyer" in answers and form.is_valid() else None


def build_form(step: Step, answers: dict, *, data=None, communes=None):
    """The form of ``step``: bound to ``data`` (a POST), else to the stored answers if any, else empty.

    Steps 2 and 3 need step 1 (their fields are per adult): None while step 1 is not answered correctly."""
    stored = answers.get(step.key)
    bound = data if data is not None else (as_querydict(stored) if stored is not None else None)
    if step.key == "foyer":
        return HouseholdForm(bound)
    if step.key in ("situation", "ressources"):
        household = household_of(answers)
        if household is None:
            return None
        form_class = ActivityForm if step.key == "situation" else ResourcesForm
        return form_class(bound, adults=adults_of(household))
    if step.key == "logement":
        return HousingForm(bound, communes=communes or [])
    return ReceivedForm(bound)


def first_incomplete(answers: dict, *, communes) -> Step | None:
    """The first step whose stored answers are missing or do not pass its form (None: all answered)."""
    for step in STEPS:
        if step.key not in answers:
            return step
        form = build_form(step, answers, communes=communes)
        if form is None or not form.is_valid():
            return step
    return None


def _birth_date(age: int, today: datetime.date) -> datetime.date:
    # The middle of the year of age: an age says the birth date to within a year, and the rules' age thresholds
    # (25 for the RSA, 60 for the APA, 65 for the ASPA) are then met by a person who says that age.
    days = int(age * 365.25) + 182
    return today - datetime.timedelta(days=days)


def situation_of(answers: dict, *, communes) -> tuple[Situation, list[str]]:
    """The household the complete answers describe, for ``droits.engine.estimate``, and the benefits received.

    Call only when ``first_incomplete`` is None."""
    today = timezone.localdate()
    household = household_of(answers)
    adults = adults_of(household)
    activity = build_form(STEPS[1], answers)
    resources = build_form(STEPS[2], answers)
    housing = build_form(STEPS[3], answers, communes=communes)
    received = build_form(STEPS[4], answers)
    for form in (activity, resources, housing, received):
        form.is_valid()
    members = []
    for key, _label, age in adults:
        role = key if key in ("demandeur", "conjoint") else "autre"
        amounts = {attr: resources.cleaned_data[f"{key}_{suffix}"] for suffix, attr, _l in RESOURCES}
        members.append(
            Member(
                role=role,
                birth_date=_birth_date(age, today),
                disability_rate=activity.cleaned_data.get(f"{key}_taux"),
                gir=activity.cleaned_data.get(f"{key}_gir"),
                student=activity.cleaned_data[f"{key}_activite"] == "etudiant",
                **amounts,
            )
        )
    members.extend(Member(role="enfant", birth_date=_birth_date(age, today)) for age in household["ages_enfants"])
    data = housing.cleaned_data
    situation = Situation(
        members=tuple(members),
        housing=Housing(
            status=data["statut"], rent_monthly=data["loyer"], commune_code=data["commune"], shared=data["colocation"]
        ),
    )
    return situation, list(received.cleaned_data["percues"])
