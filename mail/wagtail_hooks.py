"""Wagtail admin (/cms/): functional admins edit mail types and routing rules as snippets.

Access follows Django's model permissions (add/change/delete ``mailtype`` and ``routingrule``);
every edit keeps its history (both models have ``HistoricalRecords``).
"""

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from mail.models import MailType, RoutingRule


class MailTypeViewSet(SnippetViewSet):
    model = MailType
    icon = "mail"
    menu_label = "Types de courrier"
    list_display = ["name", "code", "default_team", "service_level_days", "acknowledgement_enabled", "is_active"]
    list_filter = ["is_active", "acknowledgement_enabled"]
    search_fields = ["name", "code"]
    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("default_team"),
        FieldPanel("service_level_days", help_text="Jours ouvrés (hors week-ends et jours fériés)."),
        MultiFieldPanel(
            [FieldPanel("acknowledgement_enabled"), FieldPanel("acknowledgement_text")], heading="Accusé de réception"
        ),
        FieldPanel("is_active"),
    ]


class RoutingRuleViewSet(SnippetViewSet):
    model = RoutingRule
    icon = "resubmit"
    menu_label = "Règles d'aiguillage"
    list_display = ["name", "priority", "mail_type", "team", "is_active"]
    list_filter = ["is_active", "mail_type"]
    search_fields = ["name", "keywords", "sender"]
    panels = [
        FieldPanel("name"),
        FieldPanel("priority"),
        MultiFieldPanel(
            [FieldPanel("keywords"), FieldPanel("pattern"), FieldPanel("sender")],
            heading="Le courrier correspond si chaque critère renseigné est vérifié",
        ),
        MultiFieldPanel([FieldPanel("mail_type"), FieldPanel("team")], heading="Suggestion"),
        FieldPanel("is_active"),
    ]


class MailViewSetGroup(SnippetViewSetGroup):
    items = (MailTypeViewSet, RoutingRuleViewSet)
    menu_icon = "mail"
    menu_label = "Courrier entrant"
    menu_name = "mail"


register_snippet(MailViewSetGroup)
