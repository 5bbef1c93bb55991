"""The citizen portal's Wagtail pages: home, content pages, the procedure catalogue and procedure pages.

A ``ProcedurePage`` is built by functional admins in the Wagtail admin with Wagtail's form builder
(plus a *file* field type Wagtail does not have). Its submissions are **not** stored as Wagtail
``FormSubmission`` rows: the filing flow (``portal.views``) turns them into
``demandes.Request`` drafts and requests through ``demandes.services``. The requests
services read ``destination_team``, ``service_level_days``, ``required_assurance_level`` and
``acknowledgement_text`` from the page.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import FORM_FIELD_CHOICES, AbstractForm, AbstractFormField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from grc.models import Citizen
from portal import views
from portal.forms import ProcedureFormBuilder

BODY_BLOCKS = [
    ("heading", blocks.CharBlock(form_classname="title", label=_("Intertitre"))),
    ("paragraph", blocks.RichTextBlock(label=_("Paragraphe"))),
    (
        "callout",
        blocks.StructBlock(
            [
                ("title", blocks.CharBlock(label=_("Titre"))),
                ("text", blocks.RichTextBlock(label=_("Texte"))),
            ],
            label=_("Encadré"),
            template="portal/blocks/callout.html",
        ),
    ),
]


class ProcedureTheme(models.Model):
    """A theme of the procedure catalogue ("Culture et sport", "Solidarités"...), managed as a snippet."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = _("thème de démarches")
        verbose_name_plural = _("thèmes de démarches")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class HomePage(Page):
    """The portal's home page: an introduction and the procedures put forward."""

    intro = StreamField(BODY_BLOCKS, blank=True, use_json_field=True, verbose_name=_("introduction"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        InlinePanel("featured_procedures", label=_("Démarches mises en avant"), max_num=8),
    ]
    subpage_types = ["portal.ContentPage", "portal.ProcedureIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("page d'accueil")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["featured"] = [
            item.procedure
            for item in self.featured_procedures.select_related("procedure", "procedure__theme")
            if item.procedure is not None and item.procedure.live
        ]
        context["catalogue"] = ProcedureIndexPage.objects.live().descendant_of(self).first()
        context["themes"] = ProcedureTheme.objects.all()
        return context


class HomeFeaturedProcedure(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_procedures")
    procedure = models.ForeignKey(
        "portal.ProcedurePage", verbose_name=_("démarche"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("procedure")]

    class Meta(Orderable.Meta):
        verbose_name = _("démarche mise en avant")


class ContentPage(Page):
    """A plain content page (StreamField body)."""

    body = StreamField(BODY_BLOCKS, blank=True, use_json_field=True, verbose_name=_("contenu"))

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    class Meta:
        verbose_name = _("page de contenu")


class ProcedureIndexPage(Page):
    """The catalogue of procedures by theme, with a search (a plain GET form: works without JS)."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["portal.ProcedurePage"]
    parent_page_types = ["portal.HomePage"]

    class Meta:
        verbose_name = _("catalogue des démarches")

    def route(self, request, path_components):
        """A procedure in one query (the page with its specific row), not two: every filing request comes this way."""
        if path_components:
            child = ProcedurePage.objects.child_of(self).filter(slug=path_components[0]).first()
            if child is not None:
                child._cached_parent_obj = self
                return child.route(request, path_components[1:])
        return super().route(request, path_components)

    def procedures(self, *, theme: str = "", query: str = ""):
        """The live procedures under this catalogue, open ones first, filtered by theme slug and text."""
        procedures = ProcedurePage.objects.live().child_of(self).select_related("theme")
        if theme:
            procedures = procedures.filter(theme__slug=theme)
        for word in query.split()[:8]:
            procedures = procedures.filter(
                Q(title__unaccent__icontains=word)
                | Q(summary__unaccent__icontains=word)
                | Q(keywords__unaccent__icontains=word)
                | Q(theme__name__unaccent__icontains=word)
            )
        return procedures.order_by("-is_open", "theme__sort_order", "title")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        theme = request.GET.get("theme", "")[:100]
        query = request.GET.get("q", "")[:200].strip()
        themes = list(ProcedureTheme.objects.all())
        if theme not in {t.slug for t in themes}:
            theme = ""
        procedures = list(self.procedures(theme=theme, query=query))
        groups = []
        for item in themes:
            in_theme = [p for p in procedures if p.theme_id == item.id]
            if in_theme:
                groups.append((item, in_theme))
        others = [p for p in procedures if p.theme_id is None]
        if others:
            groups.append((None, others))
        context.update(
            themes=themes,
            selected_theme=theme,
            query=query,
            groups=groups,
            result_count=len(procedures),
            filtered=bool(theme or query),
        )
        return context


FILE_FIELD = "file"
# What a field may be prefilled with, from the account filing (``portal.prefill``).
PREFILL_CHOICES = [
    ("", _("Rien")),
    ("email", _("Adresse électronique du compte")),
    ("last_name", _("Nom (nom d'usage, sinon de naissance)")),
    ("first_names", _("Prénoms")),
    ("birth_date", _("Date de naissance")),
    ("organisation_name", _("Nom de la structure représentée")),
    ("organisation_siret", _("SIRET de la structure représentée")),
    ("organisation_rna", _("Numéro RNA de la structure représentée")),
]
PROCEDURE_FIELD_CHOICES = (*FORM_FIELD_CHOICES, (FILE_FIELD, _("Fichier (pièce justificative)")))


class ProcedureFormField(AbstractFormField):
    """A field of a procedure's form; ``file`` fields accept the listed extensions up to ``max_size_mb``."""

    page = ParentalKey("portal.ProcedurePage", on_delete=models.CASCADE, related_name="form_fields")
    field_type = models.CharField(_("type de champ"), max_length=16, choices=PROCEDURE_FIELD_CHOICES)
    field_type.required_on_save = True
    accepted_types = models.CharField(
        _("formats acceptés (fichiers)"),
        max_length=100,
        blank=True,
        default="pdf,jpg,jpeg,png",
        help_text=_("Extensions séparées par des virgules, parmi : pdf, jpg, jpeg, png, docx, xlsx, odt, ods."),
    )
    max_size_mb = models.PositiveSmallIntegerField(
        _("taille maximale (Mo, fichiers)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )

    step = models.PositiveSmallIntegerField(
        _("étape"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Les champs d'une même étape sont présentés ensemble, étape après étape."),
    )
    step_title = models.CharField(
        _("titre de l'étape"),
        max_length=100,
        blank=True,
        help_text=_("Repris du premier champ de l'étape qui l'indique."),
    )
    prefill = models.CharField(_("prérempli avec"), max_length=30, choices=PREFILL_CHOICES, blank=True)
    condition_field = models.CharField(
        _("affiché seulement si le champ"),
        max_length=255,
        blank=True,
        help_text=_("Libellé d'un champ placé avant celui-ci ; vide : toujours affiché."),
    )
    condition_value = models.CharField(
        _("vaut"), max_length=255, blank=True, help_text=_("Réponse attendue (« Oui » pour une case à cocher).")
    )

    panels = [
        *AbstractFormField.panels,
        FieldRowPanel([FieldPanel("accepted_types"), FieldPanel("max_size_mb")], heading=_("Fichiers")),
        FieldRowPanel([FieldPanel("step"), FieldPanel("step_title"), FieldPanel("prefill")], heading=_("Parcours")),
        FieldRowPanel([FieldPanel("condition_field"), FieldPanel("condition_value")], heading=_("Condition")),
    ]

    class Meta(AbstractFormField.Meta):
        verbose_name = _("champ du formulaire")
        verbose_name_plural = _("champs du formulaire")

    @property
    def extensions(self) -> list[str]:
        return [ext.strip().lower().lstrip(".") for ext in self.accepted_types.split(",") if ext.strip()]


class ProcedurePage(RoutablePageMixin, AbstractForm):
    """An online procedure (téléprocédure): what it is, who may apply, what to provide, and its form.

    ``is_open=False`` makes it an announcement of a procedure to come: the page is shown in the
    catalogue, without the form. Filing (drafts, review, submission) is in ``portal.views``.
    """

    theme = models.ForeignKey(
        ProcedureTheme, verbose_name=_("thème"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(_("résumé"), max_length=300, help_text=_("Une ou deux phrases, sur le catalogue."))
    keywords = models.CharField(
        _("mots-clés de recherche"), max_length=255, blank=True, help_text=_("Synonymes, sigles (« MDPH », « FAPA »).")
    )
    description = RichTextField(_("description"), blank=True)
    eligibility = RichTextField(_("qui peut faire la demande"), blank=True)
    documents_to_provide = StreamField(
        [("document", blocks.CharBlock(label=_("Pièce")))],
        blank=True,
        use_json_field=True,
        verbose_name=_("pièces à fournir"),
    )
    destination_team = models.ForeignKey(
        "grc.Team",
        verbose_name=_("équipe destinataire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("L'équipe dont la bannette reçoit les demandes déposées."),
    )
    service_level_days = models.PositiveSmallIntegerField(
        _("délai de traitement (jours)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    required_assurance_level = models.PositiveSmallIntegerField(
        _("niveau de garantie d'identité requis"),
        choices=Citizen.Assurance.choices,
        default=Citizen.Assurance.DECLARED,
    )
    acknowledgement_text = models.TextField(
        _("texte de l'accusé de réception"),
        blank=True,
        help_text=_("Repris dans le courriel et le PDF d'accusé de réception (texte simple)."),
    )

    class Applicants(models.TextChoices):
        PERSON = "person", _("Des particuliers")
        ORGANISATION = "organisation", _("Des structures (associations, entreprises, offices notariaux…)")
        BOTH = "both", _("Des particuliers ou des structures")

    applicants = models.CharField(
        _("qui dépose"),
        max_length=12,
        choices=Applicants.choices,
        default=Applicants.PERSON,
        help_text=_("Une structure dépose par un compte membre ; ses membres voient la demande."),
    )
    is_open = models.BooleanField(
        _("ouverte au dépôt en ligne"),
        default=True,
        help_text=_("Décocher pour annoncer une démarche à venir : la page s'affiche sans formulaire."),
    )
    opening_note = models.CharField(
        _("annonce d'ouverture"),
        max_length=255,
        blank=True,
        help_text=_("Par ex. « Ouverture prévue au printemps 2027 »."),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("theme"), FieldPanel("summary"), FieldPanel("keywords")], heading=_("Catalogue")),
        FieldPanel("description"),
        FieldPanel("eligibility"),
        FieldPanel("documents_to_provide"),
        InlinePanel("form_fields", label=_("Champs du formulaire")),
        MultiFieldPanel(
            [
                FieldPanel("destination_team"),
                FieldPanel("service_level_days"),
                FieldPanel("required_assurance_level"),
                FieldPanel("applicants"),
                FieldPanel("acknowledgement_text"),
                FieldPanel("is_open"),
                FieldPanel("opening_note"),
            ],
            heading=_("Traitement"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("keywords"),
        index.SearchField("description"),
        index.FilterField("is_open"),
    ]
    parent_page_types = ["portal.ProcedureIndexPage"]
    subpage_types = []
    # One preview: the form as a citizen sees it (there is no Wagtail "landing page" here).
    preview_modes = [("form", _("Formulaire"))]
    template = "portal/procedure_page.html"
    landing_page_template = "portal/procedure_confirmation.html"

    class Meta:
        verbose_name = _("démarche en ligne")
        verbose_name_plural = _("démarches en ligne")

    @property
    def form_builder(self):
        return ProcedureFormBuilder

    def process_form_submission(self, form):
        raise NotImplementedError("Procedure submissions become requests through demandes.services.")

    @path("")
    def procedure_form(self, request):
        return views.procedure_form(request, self)

    @path("verification/")
    def procedure_review(self, request):
        return views.procedure_review(request, self)

    @path("confirmation/<str:tracking_code>/")
    def procedure_confirmation(self, request, tracking_code):
        return views.procedure_confirmation(request, self, tracking_code)
