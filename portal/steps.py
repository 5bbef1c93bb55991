"""Multi-step procedure forms on the server: one step per page, kept in a hidden field, without JavaScript.

A form whose fields carry several step numbers (``ProcedureFormField.step``) is shown one step at a
time (``?etape=N``). Each page posts its step number (``STEP_FIELD``) with only that step's fields; the
answers of the other steps come from the draft, so going back or forward never loses anything:
« Étape suivante » checks the step's own fields and saves the draft, « Étape précédente » saves what
was typed, valid or not, and goes back. The last step's « Continuer vers la vérification » checks the
whole form and, if an earlier step is incomplete, shows that step with its errors.

A POST without ``STEP_FIELD`` (a client that sends every field at once) is checked as one form.
"""

from __future__ import annotations

from django.http import QueryDict

from portal.forms import answer_matches

STEP_FIELD = "_etape"
STEP_QUERY = "etape"
ACTION_NEXT = "next"
ACTION_PREVIOUS = "previous"


def step_names(form_class) -> list[list[str]]:
    """The field names of each step, in step order (a single list when the form has no steps)."""
    grouped: dict[int, list[str]] = {}
    for name in form_class.base_fields:
        grouped.setdefault(form_class.field_meta.get(name, {}).get("step", 1), []).append(name)
    return [grouped[number] for number in sorted(grouped)]


def _clamp(value, count: int) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return min(max(number, 1), count)


def posted_step(post, count: int) -> int | None:
    """The step a POST comes from (1-based), or None: not a step-by-step form, or a client posting everything."""
    if count < 2 or STEP_FIELD not in post:
        return None
    return _clamp(post.get(STEP_FIELD), count) or 1


def shown_step(get, count: int) -> int:
    """The step to show on a GET (``?etape=N``), the first by default."""
    return (_clamp(get.get(STEP_QUERY), count) or 1) if count > 1 else 1


def merged_data(post, names_here: list[str], all_names: list[str], answers: dict | None) -> QueryDict:
    """The POST of one step completed with the draft's answers for every other step's field."""
    data = post.copy()
    here = set(names_here)
    for name in all_names:
        if name in here:
            continue
        data.pop(name, None)
        value = (answers or {}).get(name)
        if isinstance(value, list | tuple):
            data.setlist(name, [str(item) for item in value])
        elif value is True:
            data[name] = "on"
        elif value not in (None, False, ""):
            data[name] = str(value)
    return data


def first_step_with_errors(form, names: list[list[str]]) -> int:
    """The first step (1-based) holding a field error, or the last step when only the whole form has one."""
    for index, step in enumerate(names, start=1):
        if any(name in form.errors for name in step):
            return index
    return len(names)


def keep_errors_of(form, names_here: list[str]) -> None:
    """Only the errors of the shown step (the others are shown when their step is reached)."""
    for name in list(form.errors):
        if name != "__all__" and name not in names_here:
            del form.errors[name]


def not_asked(form, names_here: list[str], answers: dict | None) -> set[str]:
    """Fields of the shown step whose condition is an answer of another step that does not ask for them
    (a condition within the step is left to the browser script; the server ignores the field anyway)."""
    hidden = set()
    for name in names_here:
        condition = form.field_meta.get(name, {}).get("condition")
        if (
            condition
            and condition[0] not in names_here
            and not answer_matches((answers or {}).get(condition[0]), condition[1])
        ):
            hidden.add(name)
    return hidden
