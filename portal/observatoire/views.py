"""The public page of the observatory's open data (Licence Ouverte), beside ``GET /api/v1/opendata/indicators``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import reverse

from observatoire.opendata import indicators


@login_not_required
def opendata(request):
    """Public indicators as tables (the same protected figures as the JSON), with the licence and the rule."""
    data = indicators()
    return render(
        request,
        "portal/observatoire/opendata.html",
        {"data": data, "api_url": reverse("api:opendata_indicators")},
    )
