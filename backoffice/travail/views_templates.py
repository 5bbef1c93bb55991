"""Message templates in the back office: a team manager lists, writes, changes and deletes their teams'
templates. Reads through ``travail.templates_selectors``, one ``travail.templates_services`` call per POST;
an agent who manages no team, or a template of another team, is a 404. A refused save keeps what was typed
and says why in French (status 422)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.travail.forms_letters import MessageTemplateForm
from grc.forms import add_service_error
from grc.perms import is_agent
from travail import templates_selectors as selectors
from travail import templates_services as services
from travail.templates_render import VARIABLES


def _teams(user):
    if not is_agent(user):
        raise Http404
    teams = selectors.managed_teams(user=user)
    if not teams:
        raise Http404
    return teams


def template_list(request):
    """The templates of the teams I manage."""
    _teams(request.user)
    templates = list(selectors.templates_managed(user=request.user))
    return render(request, "backoffice/travail/template_list.html", {"templates": templates})


def _form_page(request, form, *, template=None, status=200):
    context = {"form": form, "template": template, "variables": VARIABLES.items()}
    return render(request, "backoffice/travail/template_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def template_create(request):
    teams = _teams(request.user)
    form = MessageTemplateForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        team = next(t for t in teams if t.pk == form.cleaned_data["team"])
        try:
            services.message_template_create(
                actor=request.user, team=team, name=form.cleaned_data["name"], body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Modèle enregistré."))
            return redirect("backoffice:template_list")
    return _form_page(request, form, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def template_edit(request, pk):
    teams = _teams(request.user)
    template = selectors.template_managed_get(user=request.user, pk=pk)
    initial = {"team": template.team_id, "name": template.name, "body": template.body}
    form = MessageTemplateForm(request.POST or None, teams=teams, initial=initial)
    form.fields["team"].disabled = True  # a template stays in its team
    if request.method == "POST" and form.is_valid():
        try:
            services.message_template_update(
                actor=request.user, template=template, name=form.cleaned_data["name"], body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Modèle modifié."))
            return redirect("backoffice:template_list")
    return _form_page(request, form, template=template, status=422 if form.errors else 200)


@require_POST
def template_delete(request, pk):
    _teams(request.user)
    template = selectors.template_managed_get(user=request.user, pk=pk)
    services.message_template_delete(actor=request.user, template=template)
    messages.success(request, _("Modèle supprimé."))
    return redirect("backoffice:template_list")
