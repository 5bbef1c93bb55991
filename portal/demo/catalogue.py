"""Demo content of the citizen portal: themes, the catalogue, the procedures the Département runs or announces.

The ``portal.catalogue`` seeder runs after the demo's social files and before its requests (which
are filed on these procedures). It is idempotent: a page is looked up by its slug under the
catalogue and created only when missing (a page edited in the Wagtail admin is left as the admin
left it).
"""

from __future__ import annotations

from django.db import transaction
from wagtail.rich_text import RichText

from demo.records import Counts, upsert
from grc.models import Site, Team
from portal.models import (
    ContentPage,
    HomeFeaturedProcedure,
    ProcedureFormField,
    ProcedureIndexPage,
    ProcedurePage,
    ProcedureTheme,
)

from .home import seed_portal_pages
from .procedures import ANNOUNCEMENTS, FEATURED, PLANNED, PROCEDURES, Procedure

CATALOGUE_SLUG = "demarches"

THEMES = [
    ("culture-sport", "Culture et sport", "Subventions aux associations, clubs, artistes et sportifs.", 1),
    ("associations", "Associations et partenaires", "Fonds d'appui aux partenaires et associations (FAPA).", 2),
    ("enfance-scolarite", "Enfance, famille et scolarité", "Transport scolaire adapté, protection maternelle.", 3),
    ("solidarites", "Solidarités et insertion", "RSA, aide sociale, accompagnement.", 4),
    ("routes-territoire", "Routes, travaux et territoire", "Travaux, arrêtés de circulation, agriculture.", 5),
    ("contact", "Contact et médiation", "Écrire à un service, demander une médiation.", 6),
]

# Teams created here only because no team of the demo organisation fits (demo/data.py).
EXTRA_TEAMS = [
    ("fapa", Team.Kind.SUBSIDIES, "Vie associative — FAPA"),
    ("relation-usagers", Team.Kind.OTHER, "Accueil et relation usagers"),
    ("routes-voirie", Team.Kind.OTHER, "Routes — gestion du domaine public"),
    ("agriculture", Team.Kind.OTHER, "Agriculture et développement rural"),
    ("recours-succession", Team.Kind.OTHER, "Aide sociale — recours sur succession"),
]

ACCESSIBILITY_BODY = [
    ("heading", "État de conformité"),
    (
        "paragraph",
        "<p>Le portail des démarches du Département d'Ille-et-Vilaine est partiellement conforme au "
        "référentiel général d'amélioration de l'accessibilité (RGAA 4.1). Chaque version est contrôlée "
        "automatiquement avec axe-core.</p>",
    ),
    ("heading", "Signaler un défaut"),
    (
        "paragraph",
        "<p>Si vous n'arrivez pas à accéder à un contenu ou à une démarche, écrivez-nous avec la démarche "
        "« Contacter un service du Département » ou présentez-vous dans un CDAS.</p>",
    ),
]


def _teams(*, actor, counts: Counts) -> dict[str, Team]:
    headquarters = Site.objects.filter(kind=Site.Kind.HEADQUARTERS).first()
    for code, kind, name in EXTRA_TEAMS:
        upsert(
            Team,
            {"code": code},
            {"name": name, "kind": kind, "site": headquarters},
            actor=actor,
            counts=counts,
            label="équipes (portail)",
        )
    return {team.code: team for team in Team.objects.all()}


def _themes(*, counts: Counts):
    themes = {}
    for slug, name, description, order in THEMES:
        theme, created = ProcedureTheme.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "sort_order": order}
        )
        counts.add("thèmes de démarches", created=created)
        themes[slug] = theme
    return themes


def _publish(parent, page, actor):
    parent.add_child(instance=page)
    page.save_revision(user=actor).publish(user=actor, skip_permission_checks=True)
    return page


def _procedure(spec: Procedure, *, catalogue, themes, teams, actor, counts: Counts):
    existing = ProcedurePage.objects.child_of(catalogue).filter(slug=spec.slug).first()
    counts.add("démarches en ligne" if spec.is_open else "démarches annoncées", created=existing is None)
    if existing is not None:
        return existing
    page = ProcedurePage(
        title=spec.title,
        slug=spec.slug,
        theme=themes.get(spec.theme),
        summary=spec.summary,
        keywords=spec.keywords,
        description=spec.description,
        eligibility=spec.eligibility,
        documents_to_provide=[("document", text) for text in spec.documents],
        destination_team=teams.get(spec.team),
        service_level_days=spec.service_level_days,
        required_assurance_level=spec.assurance,
        acknowledgement_text=spec.acknowledgement,
        is_open=spec.is_open,
        opening_note=spec.opening_note,
        applicants=spec.applicants,
        show_in_menus=False,
    )
    page.form_fields = [
        ProcedureFormField(
            sort_order=order,
            label=f.label,
            field_type=f.field_type,
            required=f.required,
            help_text=f.help_text,
            choices=f.choices,
            accepted_types=f.accepted_types if f.field_type == "file" else "",
            max_size_mb=f.max_size_mb,
            step=f.step,
            step_title=f.step_title,
            prefill=f.prefill,
            condition_field=f.condition[0] if f.condition else "",
            condition_value=f.condition[1] if f.condition else "",
        )
        for order, f in enumerate(spec.fields)
    ]
    return _publish(catalogue, page, actor)


@transaction.atomic
def seed(*, actor, counts: Counts) -> None:
    """Themes, the catalogue, the 18 procedures (all open), featured procedures, an accessibility page."""
    home = seed_portal_pages(counts=counts)
    teams = _teams(actor=actor, counts=counts)
    themes = _themes(counts=counts)

    catalogue = ProcedureIndexPage.objects.child_of(home).filter(slug=CATALOGUE_SLUG).first()
    counts.add("catalogue des démarches", created=catalogue is None)
    if catalogue is None:
        catalogue = _publish(
            home,
            ProcedureIndexPage(
                title="Toutes les démarches",
                slug=CATALOGUE_SLUG,
                intro="<p>Trouvez une démarche par thème ou par mot-clé. Les démarches marquées "
                "« Bientôt en ligne » ouvriront prochainement.</p>",
                show_in_menus=True,
            ),
            actor,
        )
    pages = {}
    for spec in [*PROCEDURES, *PLANNED, *ANNOUNCEMENTS]:
        pages[spec.slug] = _procedure(
            spec, catalogue=catalogue, themes=themes, teams=teams, actor=actor, counts=counts
        )

    if not home.featured_procedures.exists():
        home.featured_procedures = [
            HomeFeaturedProcedure(procedure=pages[slug], sort_order=order) for order, slug in enumerate(FEATURED)
        ]
        home.save_revision(user=actor).publish(user=actor, skip_permission_checks=True)

    if not ContentPage.objects.child_of(home).filter(slug="accessibilite").exists():
        body = [(kind, RichText(value) if kind == "paragraph" else value) for kind, value in ACCESSIBILITY_BODY]
        _publish(home, ContentPage(title="Accessibilité", slug="accessibilite", body=body, show_in_menus=True), actor)
        counts.add("pages de contenu du portail", created=True)
    else:
        counts.add("pages de contenu du portail", created=False)
