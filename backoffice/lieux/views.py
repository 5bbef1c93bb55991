"""The lieux de médiation numérique in the back office, for the Info sociale team: every place (withdrawn and
stale ones too), withdraw one from the public map with a reason, or show it again. Partners' proposals are
moderated in the annuaire's queue (``annuaire.moderation``: lieux are registered there). Others get a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grc.forms import add_service_error
from mednum import selectors, services

from .forms import StatusFilterForm, WithdrawForm

PAGE_SIZE = 50


def lieu_list(request):
    """All places with their state; filter by published, withdrawn or stale."""
    form = StatusFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    lieux = selectors.lieux_for_management(user=request.user, status=status)
    page = Paginator(lieux, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/lieux/list.html", {"form": form, "page_obj": page, "status": status})


def lieu_detail(request, lieu_id: int):
    """One place, its history, and the withdraw (or restore) form."""
    lieu = selectors.lieu_for_management(user=request.user, lieu_id=lieu_id)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lieu_withdraw(user=request.user, lieu=lieu, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error, default_field="reason")
        else:
            messages.success(request, _("Le lieu est retiré de la carte."))
            return redirect("backoffice:lieu_detail", lieu_id=lieu.pk)
    history = lieu.history.select_related("history_user").order_by("-history_date")[:20]
    return render(request, "backoffice/lieux/detail.html", {"lieu": lieu, "form": form, "history": history})


@require_POST
def lieu_restore(request, lieu_id: int):
    """Show a withdrawn place on the map again."""
    lieu = selectors.lieu_for_management(user=request.user, lieu_id=lieu_id)
    try:
        services.lieu_restore(user=request.user, lieu=lieu)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le lieu est de nouveau sur la carte."))
    return redirect("backoffice:lieu_detail", lieu_id=lieu.pk)
