"""What travail does when a lower app tells it something happened (connected in ``TravailConfig.ready``).

Receivers only hand over to a service: the rules live there.
"""

from __future__ import annotations

from . import services
from .models import Task


def on_citizen_replied(sender, *, request, actor=None, **kwargs):
    services.task_for_citizen_action(request=request, source=Task.Source.CITIZEN_REPLY, actor=actor)


def on_document_returned(sender, *, request, actor=None, **kwargs):
    services.task_for_citizen_action(request=request, source=Task.Source.DOCUMENT_RETURNED, actor=actor)


def on_invitation_expired(sender, *, invitation, **kwargs):
    services.task_for_invitation_expired(invitation=invitation)


def on_invitation_closed(sender, *, invitation, why, actor=None, **kwargs):
    services.tasks_close_for_invitation(invitation=invitation, why=why, actor=actor)


def on_invitation_reopened(sender, *, invitation, actor=None, **kwargs):
    services.task_reopen_for_invitation(invitation=invitation, actor=actor)
