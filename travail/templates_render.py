"""The placeholders of message templates: a fixed list, substituted as plain text.

A template's body is what a team manager typed; it is never given to Django's template engine (which
would let it reach attributes, filters and tags). The only thing recognised is ``{{ name }}`` with a
name from ``VARIABLES``; anything else between braces is refused at save time with a French message,
so a template that saves always renders. The values are plain text too: escaping is the output's job
(Django's autoescape in pages, ``xml.sax.saxutils.escape`` in the PDF).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Anything between double braces is read as a placeholder name, so "{{ user.password }}" is reported as
# an unknown variable by its name rather than as broken braces.
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# What is left once every well-formed placeholder is taken out: a stray brace pair or template tag.
STRAY = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")

VARIABLES = {
    "nom": gettext_lazy("nom et prénom de l'usager"),
    "code_demande": gettext_lazy("numéro de la demande"),
    "demarche": gettext_lazy("intitulé de la démarche"),
    "date_du_jour": gettext_lazy("date du jour"),
    "date_echeance": gettext_lazy("échéance de la demande"),
    "date_rendez_vous": gettext_lazy("date et heure du prochain rendez-vous de l'usager"),
    "agent": gettext_lazy("nom de l'agent qui écrit"),
    "equipe": gettext_lazy("nom de l'équipe"),
}


def placeholder_errors(body: str) -> list[str]:
    """French messages for every placeholder ``body`` may not use (empty: the body is valid)."""
    errors = []
    unknown = []
    for match in PLACEHOLDER.finditer(body or ""):
        name = match.group(1)
        if name not in VARIABLES and name not in unknown:
            unknown.append(name)
    for name in unknown:
        errors.append(
            _("Variable inconnue : « %(name)s ». Variables possibles : %(known)s.")
            % {"name": "{{ " + name + " }}", "known": ", ".join(VARIABLES)}
        )
    if STRAY.search(PLACEHOLDER.sub("", body or "")):
        errors.append(_("Accolades ou balises mal formées : écrivez une variable sous la forme {{ nom }}."))
    return errors


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y à %H:%M")
    return value.strftime("%d/%m/%Y")


def citizen_name(citizen) -> str:
    """First names then name, as a letter addresses someone ("Maëlle KERHERVÉ")."""
    if citizen is None:
        return ""
    name = (citizen.usage_name or citizen.birth_name or "").upper()
    return f"{citizen.first_names} {name}".strip()


@dataclass
class Values:
    """What the placeholders stand for in one context (empty: not known here)."""

    nom: str = ""
    code_demande: str = ""
    demarche: str = ""
    date_du_jour: str = ""
    date_echeance: str = ""
    date_rendez_vous: str = ""
    agent: str = ""
    equipe: str = ""


def values_for(*, citizen=None, request=None, appointment_at=None, author=None, team=None) -> Values:
    """The values of a message or a letter about ``citizen`` (and ``request`` when there is one)."""
    return Values(
        nom=citizen_name(citizen if citizen is not None else getattr(request, "citizen", None)),
        code_demande=request.tracking_code if request is not None else "",
        demarche=request.procedure_title if request is not None else "",
        date_du_jour=_date(timezone.localdate()),
        date_echeance=_date(getattr(request, "due_date", None)),
        date_rendez_vous=_date(appointment_at),
        agent=author.get_full_name() if author is not None else "",
        equipe=team.name if team is not None else "",
    )


def render(body: str, values: Values, *, keep_missing: bool = False) -> tuple[str, list[str]]:
    """``body`` with each known placeholder replaced by its value: (text, names with no value here).

    A placeholder with no value is left as typed when ``keep_missing`` (a prefilled form: the agent sees
    what to complete), else replaced by nothing. Unknown placeholders are left as typed: the body was
    checked at save time (``placeholder_errors``).
    """
    missing: list[str] = []

    def substitute(match):
        name = match.group(1)
        if name not in VARIABLES:
            return match.group(0)
        value = getattr(values, name)
        if not value:
            if name not in missing:
                missing.append(name)
            return match.group(0) if keep_missing else ""
        return value

    return PLACEHOLDER.sub(substitute, body or ""), missing


def missing_message(missing: list[str]) -> str:
    """The French message for placeholders that have no value for this citizen or request."""
    labels = ", ".join(f"{{{{ {name} }}}} ({VARIABLES[name]})" for name in missing)
    return _("Ces variables n'ont pas de valeur ici : %(labels)s. Complétez le texte à la main.") % {"labels": labels}
