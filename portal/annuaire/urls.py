"""The annuaire social on the portal (``/annuaire/``)."""

from django.urls import path

from grc import converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "annuaire"

urlpatterns = [
    path("", views.search, name="search"),
    path("integrer/", views.embed, name="embed"),
    path("carte.geojson", views.geojson, name="geojson"),
    path("telecharger/<str:kind>.<str:fmt>", views.download, name="download"),
    path("structures/<id:pk>/", views.structure_detail, name="structure"),
    path("structures/<id:pk>/representer/", views.claim, name="claim"),
    path("services/<id:pk>/", views.service_detail, name="service"),
    path("mes-structures/", views.mine, name="mine"),
    path("mes-structures/<id:pk>/modifier/", views.structure_edit, name="structure_edit"),
    path("mes-structures/rattachements/<id:pk>/retrait/", views.withdraw, name="withdraw"),
    path("mes-structures/<id:pk>/nouveau-service/", views.service_add, name="service_add"),
    path("mes-structures/services/<id:pk>/modifier/", views.service_edit, name="service_edit"),
]
