from django.urls import path

from portal.observatoire import views

app_name = "observatoire"

urlpatterns = [path("", views.opendata, name="opendata")]
