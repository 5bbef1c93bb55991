"""The citizen reference: search, record, creation and changes, history."""

from django.urls import path

from backoffice.citizens import views, views_edit, views_household
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("usagers/", views.citizen_search, name="citizen_search"),
    path("usagers/nouveau/", views_edit.citizen_create, name="citizen_create"),
    path("usagers/<id:pk>/", views.citizen_detail, name="citizen_detail"),
    path("usagers/<id:pk>/modifier/", views_edit.citizen_edit, name="citizen_edit"),
    path("usagers/<id:pk>/adresses/ajouter/", views_edit.citizen_address_add, name="citizen_address_add"),
    path("usagers/<id:pk>/historique/", views.citizen_view_history, name="citizen_history"),
    path("usagers/<id:pk>/foyer/", views_household.household_edit, name="citizen_household"),
    path("usagers/<id:pk>/foyer/modifier/", views_household.household_change, name="citizen_household_change"),
]
