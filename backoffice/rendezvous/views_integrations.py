"""Connecting other tools to appointments from the back office: the webhook receivers (functional admins) and
each agent's private calendar feed (webcal).

Secrets are shown once: a receiver's signing secret right after it is declared, a feed's URL right after it is
made; neither can be read again (the feed's is kept hashed), so losing one means making a new one. Writes are one
service call each, from a POST; anything the user may not manage is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.rendezvous.forms import WebhookForm
from grc.forms import add_service_error
from rendezvous import agent_selectors
from rendezvous.feeds import agent_calendar_token_create, agent_calendar_token_revoke
from rendezvous.webhooks import webhook_endpoint_create, webhook_endpoint_disable

# --- webhooks ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rdv_webhooks(request):
    """The receivers (active first) and the form declaring a new one; its secret is shown once on success."""
    endpoints = agent_selectors.webhook_endpoints_list(user=request.user)
    teams = agent_selectors.webhook_teams(user=request.user)
    form = WebhookForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [team for team in teams if team.pk in set(data["teams"])]
        try:
            endpoint, secret = webhook_endpoint_create(
                actor=request.user, name=data["name"], url=data["url"], teams=chosen, all_teams=data["all_teams"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return render(
                request,
                "backoffice/rendezvous/webhook_created.html",
                {"endpoint": endpoint, "secret": secret, "rdv_manages_webhooks": True},
            )
    return render(
        request,
        "backoffice/rendezvous/webhooks.html",
        {"endpoints": endpoints, "form": form, "rdv_manages_webhooks": True},
    )


def rdv_webhook_detail(request, pk):
    """One receiver: what it follows and its latest delivery attempts (status, error, retries)."""
    endpoint, deliveries = agent_selectors.webhook_endpoint_get(user=request.user, pk=pk)
    context = {"endpoint": endpoint, "deliveries": deliveries, "rdv_manages_webhooks": True}
    return render(request, "backoffice/rendezvous/webhook_detail.html", context)


@require_POST
def rdv_webhook_disable(request, pk):
    """Stop sending to a receiver."""
    endpoint, _deliveries = agent_selectors.webhook_endpoint_get(user=request.user, pk=pk)
    try:
        webhook_endpoint_disable(endpoint=endpoint, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le webhook est désactivé : plus aucun évènement ne lui est envoyé."))
    return redirect("backoffice:rdv_webhook_detail", pk=endpoint.pk)


# --- my calendar feed ----------------------------------------------------------------------------------------


def _feed_url(request, raw: str) -> str:
    """The subscription address, as ``webcal://`` (what calendar applications open)."""
    https = request.build_absolute_uri(reverse("rendezvous_agent_feed", kwargs={"token": raw}))
    return "webcal://" + https.split("://", 1)[1]


@require_http_methods(["GET", "POST"])
def rdv_calendar_feed(request):
    """My calendar subscription: whether a feed is live (since when), make a new one (shown once), revoke it."""
    token = agent_selectors.calendar_token_state(user=request.user, agent=request.user)
    context = {"token": token, "url": ""}
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            count = agent_calendar_token_revoke(user=request.user)
            messages.success(request, _("Abonnement révoqué (%(n)s lien).") % {"n": count})
            return redirect("backoffice:rdv_calendar_feed")
        context["url"] = _feed_url(request, agent_calendar_token_create(user=request.user))
        context["token"] = agent_selectors.calendar_token_state(user=request.user, agent=request.user)
    return render(request, "backoffice/rendezvous/calendar_feed.html", context)
