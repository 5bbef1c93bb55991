"""Mon espace: the citizen's own requests, messages, data and the accesses to their records."""

from django.urls import path  # noqa: F401

app_name = "espace"

urlpatterns = []
