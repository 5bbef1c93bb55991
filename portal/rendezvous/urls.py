"""Online booking (``/rendez-vous/``): logged-in citizens, or an invitation link (``invitation/<token>/``)."""

from django.urls import path

from grc import converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "rdv"

urlpatterns = [
    path("", views.motif_list, name="motifs"),
    path("motif/<id:motif_id>/", views.lieu_list, name="lieux"),
    path("motif/<id:motif_id>/lieu/<id:lieu_id>/", views.slot_list, name="slots"),
    path("motif/<id:motif_id>/lieu/<id:lieu_id>/confirmer/", views.confirm, name="confirm"),
    path("invitation/<str:token>/", views.motif_list, name="invitation_motifs"),
    path("invitation/<str:token>/motif/<id:motif_id>/", views.lieu_list, name="invitation_lieux"),
    path("invitation/<str:token>/motif/<id:motif_id>/lieu/<id:lieu_id>/", views.slot_list, name="invitation_slots"),
    path(
        "invitation/<str:token>/motif/<id:motif_id>/lieu/<id:lieu_id>/confirmer/",
        views.confirm,
        name="invitation_confirm",
    ),
    path("invitation/<str:token>/reserve/", views.invitation_booked, name="invitation_booked"),
    path("mes-rendez-vous/<id:pk>/annuler/", views.my_cancel, name="my_cancel"),
    path("mes-rendez-vous/<id:pk>/deplacer/", views.my_move, name="my_move"),
]
