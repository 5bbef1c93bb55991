"""« Estimer mes droits » (``/estimer-mes-droits/``): a questionnaire of five steps, one per page, then the estimate.

Open to anyone, logged in or not. The answers live in the visitor's session only (``portal.droits.flow``), are
never written to a table of ours, and are forgotten on « Effacer mes réponses ». A logged-in citizen may pre-fill
the household and the commune from their account, only after ticking the consent box. The estimate comes from
``droits.engine.estimate`` (OpenFisca France, loaded once per process); a household the engine refuses, or an
engine failure, is a French message, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from demandes.perms import is_citizen_account
from droits.engine import BENEFITS, EngineError, SituationError, estimate
from portal.droits import selectors
from portal.droits.flow import (
    LAST_STEP,
    STEPS,
    answers_clear,
    answers_of,
    answers_save,
    build_form,
    first_incomplete,
    raw_of,
    situation_of,
)
from portal.droits.forms import PrefillForm

BENEFITS_BY_CODE = {benefit.code: benefit for benefit in BENEFITS}


def _step_url(number: int) -> str:
    return reverse("estimer:step", kwargs={"number": number})


@login_not_required
@require_http_methods(["GET"])
def start(request):
    """What the estimate is (and is not), then « Commencer » (or « Reprendre » and « Effacer mes réponses »)."""
    return render(request, "portal/droits/start.html", {"started": bool(answers_of(request.session)), "steps": STEPS})


def _step_context(request, step, form, prefill_form=None):
    return {
        "step": step,
        "steps": STEPS,
        "form": form,
        "last": step.number == LAST_STEP,
        "previous_url": _step_url(step.number - 1) if step.number > 1 else reverse("estimer:start"),
        "prefill_form": (prefill_form or PrefillForm())
        if step.key == "foyer" and is_citizen_account(request.user)
        else None,
    }


@login_not_required
@require_http_methods(["GET", "POST"])
def step_view(request, number: int):
    """One step: GET shows it with what was typed before; POST « Étape suivante » checks and goes on (or shows
    the errors, keeping what was typed), « Étape précédente » keeps what was typed, valid or not, and goes back."""
    if not 1 <= number <= LAST_STEP:
        raise Http404
    step = STEPS[number - 1]
    answers = answers_of(request.session)
    communes = selectors.commune_choices() if step.key == "logement" else None
    form = build_form(step, answers, data=request.POST if request.method == "POST" else None, communes=communes)
    if form is None:  # the per-adult steps need the household first
        messages.info(request, _("Commencez par décrire votre foyer."))
        return redirect(_step_url(1))
    if request.method == "GET":
        if step.key in answers:
            form.is_valid()  # show the errors of what was typed before, if any
        return render(request, "portal/droits/step.html", _step_context(request, step, form))
    answers_save(request.session, step_key=step.key, data=raw_of(request.POST, form))
    if request.POST.get("action") == "previous":
        return redirect(_step_url(number - 1) if number > 1 else reverse("estimer:start"))
    if not form.is_valid():
        return render(request, "portal/droits/step.html", _step_context(request, step, form), status=400)
    return redirect(_step_url(number + 1) if number < LAST_STEP else reverse("estimer:result"))


@login_not_required
@require_POST
def prefill(request):
    """Pre-fill steps 1 and 4 from the logged-in citizen's account, after the explicit consent (a citizen account
    only: 404 otherwise). Without the box ticked, nothing of the account is read."""
    if not is_citizen_account(request.user):
        raise Http404
    form = PrefillForm(request.POST)
    step = STEPS[0]
    answers = answers_of(request.session)
    if not form.is_valid():
        context = _step_context(request, step, build_form(step, answers), prefill_form=form)
        return render(request, "portal/droits/step.html", context, status=400)
    found = selectors.my_household_for_estimate(user=request.user, http_request=request)
    if found is None:
        messages.warning(request, _("Votre compte ne contient pas encore d'informations sur votre foyer."))
        return redirect(_step_url(1))
    answers_save(request.session, step_key="foyer", data=found["foyer"])
    if found["commune"]:
        housing = dict(answers.get("logement") or {})
        housing["commune"] = found["commune"]
        answers_save(request.session, step_key="logement", data=housing)
    text = _("Votre foyer et votre commune sont repris de votre compte : vérifiez-les et complétez.")
    if found["missing"]:
        text += " " + _("Une ou plusieurs personnes de votre foyer n'ont pas de date de naissance : ajoutez leur âge.")
    messages.success(request, text)
    return redirect(_step_url(1))


def _benefit_rows(result, received: list[str], urls: dict[str, str]) -> list[dict]:
    rows = []
    for item in result.benefits:
        benefit = BENEFITS_BY_CODE.get(item.code)
        slug = benefit.portal_procedure_slug if benefit else None
        rows.append(
            {
                "estimate": item,
                "benefit": benefit,
                "received": item.code in received,
                "covered": benefit.covered if benefit else True,
                "portal_url": urls.get(slug or ""),
                "national_url": benefit.national_url if benefit else "",
            }
        )
    return rows


def _has_right(item) -> bool:
    # The complémentaire santé solidaire pays health costs, no money: its amount is 0 when the household is eligible.
    return item.monthly_amount > 0 or item.eligible


@login_not_required
@require_http_methods(["GET"])
def result(request):
    """The estimate of every benefit for the household the answers describe, how to apply, and where to get
    help near the commune given. Incomplete answers send back to the first step to finish."""
    answers = answers_of(request.session)
    communes = selectors.commune_choices()
    missing = first_incomplete(answers, communes=communes)
    if missing is not None:
        messages.info(request, _("Complétez d'abord cette étape."))
        return redirect(_step_url(missing.number))
    situation, received = situation_of(answers, communes=communes)
    context = {"steps": STEPS, "help": selectors.help_near(commune_code=situation.housing.commune_code)}
    try:
        estimated = estimate(situation=situation)
    except SituationError as error:
        context["errors"] = error.messages
        return render(request, "portal/droits/result.html", context, status=400)
    except EngineError as error:
        context["engine_error"] = str(error) or _("Le calcul n'a pas pu être fait. Réessayez plus tard.")
        return render(request, "portal/droits/result.html", context, status=503)
    urls = selectors.procedure_urls(slugs=[b.portal_procedure_slug for b in BENEFITS_BY_CODE.values()])
    rows = _benefit_rows(estimated, received, urls)
    context.update(
        estimate=estimated,
        rows=rows,
        eligible=[row for row in rows if _has_right(row["estimate"]) and not row["received"]],
    )
    return render(request, "portal/droits/result.html", context)


@login_not_required
@require_POST
def clear(request):
    """Forget every answer of the questionnaire (« Effacer mes réponses »)."""
    answers_clear(request.session)
    messages.success(request, _("Vos réponses sont effacées."))
    return redirect(reverse("estimer:start"))
