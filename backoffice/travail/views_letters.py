"""Outgoing letters in the back office: write a letter (from a template or free text) about a social file
or a request, see it and download its PDF, and read a team's outgoing register (filter, export).

Reads through ``travail.letters_selectors`` (access-logged), one ``travail.letters_services`` call per POST.
A file, request, letter or register the agent may not see is a 404. "Appliquer le modèle" is a GET that
re-renders the form with the template's text filled in for this citizen (no JavaScript needed).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backoffice.travail.forms_letters import LetterForm
from grc.forms import add_service_error
from grc.perms import is_agent
from travail import exports, letters_perms, templates_selectors
from travail import letters_selectors as selectors
from travail import letters_services as services
from travail.letters_pdf import letter_pdf
from travail.templates_render import missing_message, values_for
from travail.templates_render import render as render_template

PAGE_SIZE = 50


def _require_agent(user):
    if not is_agent(user):
        raise Http404


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _subject(request):
    # Read from the URL on GET and POST alike: the form posts back to the URL it was shown at.
    return selectors.letter_subject_get(
        user=request.user,
        file_id=_int(request.GET.get("dossier")),
        request_code=(request.GET.get("demande") or "").strip()[:40],
        http_request=request,
    )


def _prefill(request, subject, teams) -> dict:
    """Initial values: the request's team when it is one of mine, and the chosen template's text."""
    team = next((t for t in teams if subject.request is not None and t.pk == subject.request.team_id), teams[0])
    initial = {"team": team.pk}
    template_id = request.GET.get("modele", "")
    if template_id:
        template = templates_selectors.template_usable_get(user=request.user, pk=template_id)
        values = values_for(
            citizen=subject.citizen,
            request=subject.request,
            appointment_at=templates_selectors.next_appointment_at(
                user=request.user, citizen_id=subject.citizen.pk if subject.citizen else None
            ),
            author=request.user,
            team=template.team,
        )
        body, missing = render_template(template.body, values, keep_missing=True)
        initial.update(subject=template.name, body=body, template_id=template.pk, team=template.team_id)
        if missing:
            messages.warning(request, missing_message(missing))
    return initial


@require_http_methods(["GET", "POST"])
def letter_create(request):
    """Write a letter about ``?dossier=<id>`` or ``?demande=<code>`` (404 if I may not see it)."""
    _require_agent(request.user)
    subject = _subject(request)
    teams = selectors.letter_teams(user=request.user)
    if not teams:
        raise Http404
    portal = letters_perms.portal_reachable(citizen=subject.citizen, request=subject.request)
    if request.method == "GET":
        form = LetterForm(teams=teams, portal=portal, initial=_prefill(request, subject, teams))
    else:
        form = LetterForm(request.POST, teams=teams, portal=portal)
        if form.is_valid():
            letter = _create(request, form, subject, teams)
            if letter is not None:
                messages.success(request, _("Courrier %(reference)s enregistré.") % {"reference": letter.reference})
                return redirect("backoffice:letter_detail", pk=letter.pk)
    context = {
        "form": form,
        "subject": subject,
        "templates": templates_selectors.templates_usable(user=request.user),
        "citizen": subject.citizen,
    }
    return render(request, "backoffice/travail/letter_form.html", context, status=422 if form.errors else 200)


def _create(request, form, subject, teams):
    data = form.cleaned_data
    team = next(t for t in teams if t.pk == data["team"])
    template = None
    template_id = _int(data.get("template_id"))
    if template_id is not None:
        template = templates_selectors.templates_usable(user=request.user).filter(pk=template_id).first()
    try:
        return services.outgoing_letter_create(
            actor=request.user,
            team=team,
            subject=data["subject"],
            body=data["body"],
            file=subject.file,
            request=subject.request,
            template=template,
            to_portal=data.get("to_portal", False),
            appointment_at=templates_selectors.next_appointment_at(
                user=request.user, citizen_id=subject.citizen.pk if subject.citizen else None
            ),
        )
    except ValidationError as error:
        add_service_error(form, error)
        return None


def letter_detail(request, pk):
    _require_agent(request.user)
    letter = selectors.outgoing_letter_get(user=request.user, pk=pk, http_request=request)
    return render(request, "backoffice/travail/letter_detail.html", {"letter": letter})


def letter_download(request, pk):
    """The letter's PDF, made again from what was recorded (never shown inline)."""
    _require_agent(request.user)
    letter = selectors.outgoing_letter_get(user=request.user, pk=pk, http_request=request, purpose="PDF")
    response = HttpResponse(letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="courrier-{letter.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _filters(request, teams) -> dict:
    team_id = _int(request.GET.get("equipe"))
    if team_id is None:
        team_id = teams[0].pk
    return {
        "team_id": team_id,
        "year": _int(request.GET.get("annee")),
        "mine": request.GET.get("moi") == "1",
        "q": request.GET.get("q", "").strip()[:100],
    }


def register(request):
    """A team's outgoing register (``?equipe=``, ``annee``, ``moi=1``, ``q``: subject or number)."""
    _require_agent(request.user)
    teams = selectors.register_teams(user=request.user)
    if not teams:
        raise Http404
    filters = _filters(request, teams)
    letters = selectors.outgoing_register(user=request.user, http_request=request, **filters)
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.mark_visible_recipients(user=request.user, letters=list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "teams": teams,
        "team": next((t for t in teams if t.pk == filters["team_id"]), None),
        "filters": filters,
        "years": selectors.register_years(user=request.user),
        "page": page,
        "query": query.urlencode(),
        "export_url": reverse("backoffice:letter_register_export") + "?" + query.urlencode(),
        "manages_templates": bool(letters_perms.managed_team_ids(request.user)),
    }
    return render(request, "backoffice/travail/letter_register.html", context)


def register_export(request):
    """The register with the same filters as CSV (``?format=csv``, default) or XLSX; access-logged."""
    _require_agent(request.user)
    teams = selectors.register_teams(user=request.user)
    if not teams:
        raise Http404
    filters = _filters(request, teams)
    header, rows = selectors.outgoing_register_export(user=request.user, http_request=request, **filters)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if request.GET.get("format") == "xlsx":
        body = exports.to_xlsx(header, rows, title="Courriers sortants")
        kind, extension = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    else:
        body, kind, extension = exports.to_csv(header, rows), "text/csv; charset=utf-8", "csv"
    response = HttpResponse(body, content_type=kind)
    filename = f"courriers-sortants-equipe-{filters['team_id']}-{stamp}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
