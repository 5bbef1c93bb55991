"""A small portal for the portal tests: home page, catalogue, themes and a procedure with every field type."""

import io

import pytest
from PIL import Image

from demo.records import Counts
from grc.models import Citizen
from portal.demo.home import seed_portal_pages
from portal.models import ProcedureFormField, ProcedureIndexPage, ProcedurePage, ProcedureTheme
from tests.browser.conftest import browser  # noqa: F401  (the fixture, for test_form_browser)
from tests.dossier_unique.factories import PDF_BYTES
from tests.factories import CitizenFactory, TeamFactory, UserFactory

FIELDS = [
    # label, type, required, choices, accepted types, max MB
    ("Nom de l'élève", "singleline", True, "", "", 10),
    ("Exposé de la situation", "multiline", True, "", "", 10),
    ("Adresse électronique de contact", "email", True, "", "", 10),
    ("Nombre d'élèves", "number", False, "", "", 10),
    ("Date de naissance", "date", True, "", "", 10),
    ("Classe", "dropdown", True, "Collège\nLycée", "", 10),
    ("Jours de transport", "checkboxes", False, "Lundi\nMardi", "", 10),
    ("Fauteuil roulant", "radio", True, "Oui\nNon", "", 10),
    ("J'atteste sur l'honneur", "checkbox", True, "", "", 10),
    ("Notification MDPH", "file", True, "", "pdf,png", 1),
    ("Certificat de scolarité", "file", False, "", "pdf", 1),
]


def ensure_wagtail_root():
    """Wagtail's root page and default locale (rows of a data migration that transactional tests flush)."""
    from wagtail.models import Locale, Page

    Locale.objects.get_or_create(language_code="fr")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", live=True))


@pytest.fixture
def home(db):
    ensure_wagtail_root()
    return seed_portal_pages(counts=Counts())


@pytest.fixture
def themes(db):
    return {
        "culture": ProcedureTheme.objects.create(name="Culture et sport", slug="culture-sport", sort_order=1),
        "ecole": ProcedureTheme.objects.create(name="Enfance et scolarité", slug="enfance", sort_order=2),
    }


@pytest.fixture
def catalogue(home):
    page = ProcedureIndexPage(title="Toutes les démarches", slug="demarches")
    home.add_child(instance=page)
    return page


@pytest.fixture
def destination_team(db):
    return TeamFactory(name="Transport scolaire adapté", code="transport-scolaire-adapte")


def make_procedure(catalogue, *, slug, title, theme=None, fields=FIELDS, team=None, **extra):
    page = ProcedurePage(
        title=title,
        slug=slug,
        theme=theme,
        summary=extra.pop("summary", f"Résumé de {title}"),
        destination_team=team,
        acknowledgement_text="Votre demande sera étudiée sous 30 jours.",
        **extra,
    )
    page.form_fields = [
        ProcedureFormField(
            sort_order=i,
            label=label,
            field_type=kind,
            required=required,
            choices=choices,
            accepted_types=accepted,
            max_size_mb=size,
        )
        for i, (label, kind, required, choices, accepted, size) in enumerate(fields)
    ]
    catalogue.add_child(instance=page)
    return page


@pytest.fixture
def procedure(catalogue, themes, destination_team):
    return make_procedure(
        catalogue,
        slug="transport-scolaire-adapte",
        title="Transport scolaire adapté",
        theme=themes["ecole"],
        team=destination_team,
        keywords="MDPH handicap",
        service_level_days=30,
        required_assurance_level=Citizen.Assurance.EMAIL_VERIFIED,
    )


@pytest.fixture
def filer(db):
    """A portal account linked to its citizen, identity at "e-mail verified"."""
    user = UserFactory(citizen_account=True)
    CitizenFactory(user=user, assurance_level=Citizen.Assurance.EMAIL_VERIFIED)
    return user


@pytest.fixture
def filer_client(client, filer):
    client.force_login(filer)
    return client


def pdf_bytes() -> bytes:
    return PDF_BYTES


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def valid_answers() -> dict:
    return {
        "nom_de_leleve": "Léa Martin",
        "expose_de_la_situation": "Trajet Vitré – Rennes.",
        "adresse_electronique_de_contact": "parent@example.org",
        "nombre_deleves": "",
        "date_de_naissance": "2014-03-02",
        "classe": "Collège",
        "jours_de_transport": ["Lundi", "Mardi"],
        "fauteuil_roulant": "Non",
        "jatteste_sur_lhonneur": "on",
    }
