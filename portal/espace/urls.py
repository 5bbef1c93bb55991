"""Mon espace: the citizen's own requests, messages, data and the accesses to their records."""

from django.urls import path

from . import views

app_name = "espace"

urlpatterns = [
    path("", views.home, name="home"),
    path("demandes/", views.request_list, name="request_list"),
    path("demandes/<str:code>/", views.request_detail, name="request_detail"),
]
