"""Reads of Mon espace that the requests' selectors do not offer as such, built on their permission rule."""

from __future__ import annotations

from django.db.models import QuerySet

from demandes.models import RequestAttachment
from demandes.selectors import requests_for


def my_attachments(*, user) -> QuerySet[RequestAttachment]:
    """The files attached to the requests ``user`` may see (``demandes.selectors.requests_for``: for a
    citizen account, its own), newest first, each with its request."""
    return (
        RequestAttachment.objects.filter(request__in=requests_for(user=user))
        .select_related("request")
        .order_by("-uploaded_at")
    )
