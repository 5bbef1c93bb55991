"""Decision screens of the back office: the amount granted on a subsidy, and the answer to a notary.

A subsidy (a request with an amount asked) is accepted through ``demandes.decisions.request_grant``
with the amount granted instead of the plain accept; a notary's request (the deceased's identity in its
answers) gets its own screen: the deceased as the notary typed them, the citizens of the reference who
may be that person (``notary_deceased_candidates``: each candidate shown is written to the access log),
and the answer (``notary_request_answer``: the recoverable amounts per aid, or none). Only the handling
team reaches them (404 otherwise); the citizen or the structure reads the outcome and the decision
letter in Mon espace.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.requests.decision_forms import UNKNOWN, GrantForm, NotaryAnswerForm
from backoffice.requests.views import _detail, _detail_url, _require_agent
from demandes import perms, selectors
from demandes.decisions import request_grant
from demandes.notaries import deceased_identity, is_notary_request, notary_deceased_candidates, notary_request_answer
from demandes.services import ALLOWED
from grc.forms import add_service_error


def _workable(request, code):
    _require_agent(request.user)
    req = selectors.request_get(user=request.user, code=code, log=False)
    if not perms.can_work_request(request.user, req):
        raise Http404
    return req


@require_POST
def grant(request, code):
    """Accept a subsidy with the amount granted (at most the amount asked)."""
    req = _workable(request, code)
    form = GrantForm(request.POST, prefix="grant", amount_requested=req.amount_requested)
    if form.is_valid():
        try:
            request_grant(
                request=req, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Subvention accordée ; le demandeur est informé par courriel."))
            return redirect(_detail_url(code, "actions"))
    return _detail(request, req, forms_bound={"grant_form": form}, status=400)


def _notary_page(request, req, form, *, candidates, status=200):
    return render(
        request,
        "backoffice/requests/notary.html",
        {
            "req": req,
            "form": form,
            "candidates": candidates,
            "identity": deceased_identity(req),
            "can_answer": req.status in ALLOWED["accept"],
        },
        status=status,
    )


def notary(request, code):
    """The notary's request: who the deceased may be (each candidate shown is access-logged) and the answer."""
    req = _workable(request, code)
    if not is_notary_request(req):
        raise Http404
    if req.status not in ALLOWED["accept"]:
        # Decided (or waiting for the notary): nothing to identify, so no citizen is looked up nor logged.
        return _notary_page(request, req, None, candidates=[])
    candidates = notary_deceased_candidates(user=request.user, request=req, http_request=request)
    if request.method != "POST":
        return _notary_page(request, req, NotaryAnswerForm(candidates=candidates), candidates=candidates)
    form = NotaryAnswerForm(request.POST, candidates=candidates)
    if form.is_valid():
        chosen = form.cleaned_data["deceased"]
        deceased = None if chosen == UNKNOWN else next(c for c, _s in candidates if str(c.pk) == chosen)
        try:
            notary_request_answer(
                request=req, actor=request.user, deceased=deceased, recoverable=form.cleaned_data["recoverable"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Réponse envoyée à l'office notarial avec la lettre de décision."))
            return redirect(_detail_url(code))
    return _notary_page(request, req, form, candidates=candidates, status=400)
