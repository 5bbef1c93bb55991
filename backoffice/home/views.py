"""The back-office home, "Ma journée": what waits for the agent today, per role, each figure a link to
the list it counts (filtered the same way).

Figures come from the domain selectors (``travail.selectors``, ``travail.day``, ``dpo.selectors``),
each counting only what the agent may open; cards a role does not use are not shown.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from dpo import perms as dpo_perms
from dpo import selectors as dpo_selectors
from grc.audit.models import Alert
from grc.perms import is_agent
from travail import day
from travail import selectors as task_selectors


def home(request):
    user = request.user
    context = {"today": timezone.localdate(), "is_agent": is_agent(user)}
    if context["is_agent"]:
        context.update(
            tasks=task_selectors.task_counts(user=user),
            requests=day.requests_waiting(user=user, http_request=request),
            letters=day.letters_waiting(user=user),
            appointments=day.appointments_today(user=user),
            emergency=day.emergency_accesses_waiting(user=user),
            unread_notifications=task_selectors.unread_notification_count(user=user),
        )
        if dpo_perms.can_use_dpo_console(user):
            context["open_alerts"] = dpo_selectors.alerts_for(user=user, status=Alert.Status.OPEN).count()
    return render(request, "backoffice/home.html", context)
