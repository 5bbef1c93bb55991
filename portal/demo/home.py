"""The portal's home page: the root of the default Wagtail site, in place of Wagtail's "Welcome" page.

The ``portal.home`` seeder runs once the demo citizens exist, before their social files (the order
``seed_demo`` always had). Idempotent: the one ``HomePage`` is created only when missing.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import Page
from wagtail.models import Site as WagtailSite
from wagtail.rich_text import RichText

from demo.records import Counts
from portal.models import HomePage

PORTAL_TITLE = "Département d'Ille-et-Vilaine — Vos démarches"
PORTAL_INTRO = [
    ("heading", "Bienvenue sur le portail des démarches"),
    (
        "paragraph",
        "<p>Le Département d'Ille-et-Vilaine accompagne les habitants à chaque étape de la vie : "
        "enfance et famille, insertion, autonomie des personnes âgées ou en situation de handicap, "
        "transport scolaire adapté.</p>"
        "<p>Depuis votre espace, déposez une demande en ligne, suivez son avancement, échangez avec nos "
        "services et retrouvez vos documents. Les agents des CDAS restent à votre écoute près de chez vous.</p>",
    ),
]


@transaction.atomic
def seed_portal_pages(*, counts: Counts):
    """The portal ``HomePage`` as the root of the default Wagtail site, replacing Wagtail's "Welcome" page."""
    home = HomePage.objects.first()
    counts.add("page d'accueil du portail", created=home is None)
    if home is None:
        root = Page.get_first_root_node()
        intro = [(kind, RichText(value) if kind == "paragraph" else value) for kind, value in PORTAL_INTRO]
        home = HomePage(title=PORTAL_TITLE, slug="accueil", intro=intro)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = WagtailSite.objects.filter(is_default_site=True).first()
    if site is None:
        WagtailSite.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=PORTAL_TITLE
        )
    elif site.root_page_id != home.id:
        site.root_page = home
        site.save(update_fields=["root_page"])
    # Wagtail's own "Welcome to your new Wagtail site!" page (a bare Page at depth 2) goes once unused.
    bare_page = ContentType.objects.get_for_model(Page)
    for page in Page.objects.filter(depth=2, content_type=bare_page, numchild=0):
        if not WagtailSite.objects.filter(root_page=page).exists():
            page.delete()
    return home


def seed(*, actor, counts: Counts) -> None:
    """The registered seeder (``portal.home``): the home page (Wagtail records no author for it, as before)."""
    seed_portal_pages(counts=counts)
