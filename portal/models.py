from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

BODY_BLOCKS = [
    ("heading", blocks.CharBlock(form_classname="title", label=_("Intertitre"))),
    ("paragraph", blocks.RichTextBlock(label=_("Paragraphe"))),
]


class HomePage(Page):
    """The portal's home page."""

    intro = StreamField(BODY_BLOCKS, blank=True, use_json_field=True, verbose_name=_("introduction"))

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count = 1

    class Meta:
        verbose_name = _("page d'accueil")


class ContentPage(Page):
    """A plain content page (StreamField body)."""

    body = StreamField(BODY_BLOCKS, blank=True, use_json_field=True, verbose_name=_("contenu"))

    content_panels = [*Page.content_panels, FieldPanel("body")]

    class Meta:
        verbose_name = _("page de contenu")
