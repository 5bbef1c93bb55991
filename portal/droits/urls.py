"""« Estimer mes droits » on the portal (``/estimer-mes-droits/``): open to everyone, nothing stored."""

from django.urls import path

from . import views

app_name = "estimer"

urlpatterns = [
    path("", views.start, name="start"),
    path("etape/<int:number>/", views.step_view, name="step"),
    path("pre-remplir/", views.prefill, name="prefill"),
    path("resultat/", views.result, name="result"),
    path("effacer/", views.clear, name="clear"),
]
