"""The "Modèle" choice of the request message form (``backoffice.requests``): the templates the agent may
use, and the chosen one's text filled in for the request (``?modele=<id>``, a GET that re-renders the
instruction screen). A placeholder with no value for this request stays in the text, and a warning says
which: the agent completes it before sending."""

from __future__ import annotations

from django.contrib import messages

from travail.templates_render import missing_message
from travail.templates_selectors import request_message_prefill


def message_template_prefill(request, req) -> tuple[list, str]:
    """(templates usable by the agent, the text to put in the message form: empty without ``?modele``)."""
    templates, text, missing = request_message_prefill(
        user=request.user, request_obj=req, template_id=request.GET.get("modele", "")[:12]
    )
    if missing:
        messages.warning(request, missing_message(missing))
    return templates, text
