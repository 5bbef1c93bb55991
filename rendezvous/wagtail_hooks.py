"""Wagtail admin (/cms/): functional admins edit the lieux, motifs and weekly opening slots of appointments.

Access follows Django's model permissions (add/change/delete ``lieu``, ``motif``, ``plageouverture``); every edit
keeps its history (the three models have ``HistoricalRecords``, the request's user is recorded by simple-history's
middleware). The models' validators and constraints run on save: opening hours in OpenStreetMap format, weekdays
0–6, times and dates in order, one motif name per team. Nothing is deleted that an appointment points to
(``PROTECT``): deactivate instead.
"""

from django import forms
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from rendezvous.models import Lieu, Motif, PlageOuverture

WEEKDAY_HELP = "Jours séparés par des virgules : 0 = lundi, 1 = mardi … 4 = vendredi, 5 = samedi, 6 = dimanche."


class LieuViewSet(SnippetViewSet):
    model = Lieu
    icon = "site"
    menu_label = "Lieux"
    list_display = ["name", "kind", "city", "wheelchair_accessible", "is_active"]
    list_filter = ["kind", "is_active", "wheelchair_accessible"]
    search_fields = ["name", "city", "address"]
    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("site"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("postcode"), FieldPanel("city")]),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
                FieldPanel("phone"),
            ],
            heading="Adresse",
        ),
        MultiFieldPanel([FieldPanel("wheelchair_accessible"), FieldPanel("accessibility")], heading="Accessibilité"),
        FieldPanel("opening_hours"),
        FieldRowPanel(
            [FieldPanel("available_from"), FieldPanel("available_until")],
            heading="Permanence ponctuelle (laisser vide pour un lieu permanent)",
        ),
        FieldPanel("is_active"),
    ]


class MotifViewSet(SnippetViewSet):
    model = Motif
    icon = "tag"
    menu_label = "Motifs"
    list_display = ["name", "team", "location_type", "duration_minutes", "bookable_by", "visibility", "is_active"]
    list_filter = ["location_type", "bookable_by", "visibility", "is_active"]
    search_fields = ["name", "category"]
    panels = [
        FieldRowPanel([FieldPanel("team"), FieldPanel("name")]),
        FieldPanel("category"),
        FieldRowPanel([FieldPanel("location_type"), FieldPanel("duration_minutes"), FieldPanel("capacity")]),
        MultiFieldPanel(
            [
                FieldPanel("bookable_by"),
                FieldRowPanel([FieldPanel("min_booking_delay_minutes"), FieldPanel("max_booking_delay_days")]),
                FieldPanel("cancel_until_hours"),
            ],
            heading="Réservation",
        ),
        FieldPanel(
            "visibility",
            help_text="« Masqué » : motif sensible (ASE, PMI…), invisible hors de l'équipe et jamais nommé dans les "
            "messages ; « Sans notification » : aucun courriel ni SMS.",
        ),
        MultiFieldPanel([FieldPanel("instructions_before"), FieldPanel("instructions_after")], heading="Informations"),
        FieldPanel("is_active"),
    ]


class PlageViewSet(SnippetViewSet):
    model = PlageOuverture
    icon = "date"
    menu_label = "Plages d'ouverture"
    list_display = ["__str__", "agent", "lieu", "first_day", "until", "is_active"]
    list_filter = ["is_active", "lieu"]
    search_fields = ["title"]
    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("agent"), FieldPanel("lieu")]),
        FieldPanel("motifs", widget=forms.CheckboxSelectMultiple),
        FieldPanel("weekdays", help_text=WEEKDAY_HELP),
        FieldRowPanel([FieldPanel("start_time"), FieldPanel("end_time")]),
        FieldRowPanel([FieldPanel("first_day"), FieldPanel("until"), FieldPanel("every_weeks")]),
        FieldPanel("is_active"),
    ]


class RendezvousViewSetGroup(SnippetViewSetGroup):
    items = (LieuViewSet, MotifViewSet, PlageViewSet)
    menu_icon = "date"
    menu_label = "Rendez-vous"
    menu_name = "rendezvous"


register_snippet(RendezvousViewSetGroup)
