"""The back office: one URL module per feature, all mounted here in the ``backoffice`` namespace."""

from django.urls import include, path

app_name = "backoffice"

# Order kept from before the split into features: a path two features could both match goes to the first.
urlpatterns = [
    path("", include("backoffice.home.urls")),
    path("", include("backoffice.auth.urls")),
    path("", include("backoffice.citizens.urls")),
    path("", include("backoffice.identity.urls")),
    path("", include("backoffice.files.urls")),
    path("", include("backoffice.requests.urls")),
    path("", include("backoffice.mail.urls")),
    path("", include("backoffice.rendezvous.urls")),
    path("", include("backoffice.accueil.urls")),
    path("", include("backoffice.droits.urls")),
    path("", include("backoffice.annuaire.urls")),
    path("", include("backoffice.lieux.urls")),
    path("", include("backoffice.search.urls")),
    path("", include("backoffice.dpo.urls")),
    path("", include("backoffice.privacy.urls")),
    path("", include("backoffice.observatoire.urls")),
    path("", include("backoffice.travail.urls")),
]
