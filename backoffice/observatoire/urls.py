from django.urls import path

from backoffice.observatoire import views

urlpatterns = [
    path("observatoire/", views.home, name="observatoire"),
    path("observatoire/export.<str:fmt>", views.export, name="observatoire_export"),
]
