"""The portal's pages as a visitor sees them: home, catalogue (theme and text filters), procedure pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from demo.records import Counts
from portal.forms import ProcedureFileField
from portal.models import HomeFeaturedProcedure, ProcedurePage
from portal.views import login_url
from tests.factories import UserFactory, verify_otp

from .conftest import ensure_wagtail_root, make_procedure

pytestmark = pytest.mark.django_db


def test_home_page_shows_featured_procedures_and_themes(client, home, procedure, catalogue, themes):
    HomeFeaturedProcedure.objects.create(page=home, procedure=procedure, sort_order=0)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Transport scolaire adapté" in html
    assert f'href="{catalogue.url}?theme=culture-sport"' in html
    # Portal skeleton: skip link, portal stylesheet, the three entries of the main menu.
    assert 'class="skip-link" href="#contenu"' in html
    assert "css/portal.css" in html
    assert ">Démarches</a>" in html and ">Se connecter</a>" in html and ">Créer un compte</a>" in html


def test_logged_in_citizen_sees_mon_espace_in_the_menu(filer_client, home):
    html = filer_client.get("/").content.decode()
    assert ">Mon espace</a>" in html
    assert ">Se connecter</a>" not in html


def test_staff_on_the_portal_get_no_mon_espace_link(client, home):
    """Mon espace answers 404 to staff: the portal must not link them there (found by the smoke crawl)."""
    verify_otp(client, UserFactory(is_staff=True))
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/mon-espace/"' not in html
    assert 'href="/backoffice/">Espace agents</a>' in html


def test_catalogue_groups_by_theme_and_filters_by_theme_and_text(client, catalogue, themes, procedure):
    make_procedure(catalogue, slug="aide-clubs", title="Aide aux clubs sportifs", theme=themes["culture"], fields=[])
    make_procedure(
        catalogue, slug="rsa", title="Revenu de solidarité active", fields=[], is_open=False, opening_note="En 2027"
    )
    html = client.get(catalogue.url).content.decode()
    assert "Aide aux clubs sportifs" in html and "Transport scolaire adapté" in html
    assert "Bientôt en ligne" in html and "En 2027" in html
    assert html.index("Culture et sport</h2>") < html.index("Enfance et scolarité</h2>")

    by_theme = client.get(catalogue.url, {"theme": "culture-sport"}).content.decode()
    assert "Aide aux clubs sportifs" in by_theme
    assert "Transport scolaire adapté" not in by_theme
    assert "1 démarche correspond à votre recherche." in by_theme

    # Text search ignores accents and case, and looks in keywords too.
    for query in ("SCOLAIRE", "mdph", "solidarite"):
        found = client.get(catalogue.url, {"q": query}).content.decode()
        assert ("Transport scolaire adapté" in found) == (query != "solidarite")
        assert ("Revenu de solidarité active" in found) == (query == "solidarite")

    nothing = client.get(catalogue.url, {"q": "zzzz", "theme": "inconnu"}).content.decode()
    assert "Aucune démarche ne correspond" in nothing


def test_anonymous_visitor_reads_the_procedure_and_is_invited_to_log_in(client, procedure):
    response = client.get(procedure.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Transport scolaire adapté" in html
    assert "Se connecter" in html and "next=%2Fdemarches%2Ftransport-scolaire-adapte%2F" in html
    assert '<form method="post"' not in html


def test_anonymous_post_is_sent_to_login_and_nothing_is_filed(client, procedure):
    response = client.post(procedure.url, {"action": "draft", "nom_de_leleve": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(login_url() + "?next=")


def test_announced_procedure_has_no_form(filer_client, catalogue):
    page = make_procedure(catalogue, slug="pmi", title="Suivi PMI", fields=[], is_open=False, opening_note="En 2027")
    html = filer_client.get(page.url).content.decode()
    assert "Bientôt en ligne" in html and "En 2027" in html
    assert "procedure-form" not in html
    assert filer_client.post(page.url, {"action": "draft"}).status_code == 302


def test_form_builder_makes_every_field_type_including_files(procedure):
    form = procedure.get_form(page=procedure)
    kinds = {name: type(field).__name__ for name, field in form.fields.items()}
    assert kinds["nom_de_leleve"] == "CharField"
    assert kinds["date_de_naissance"] == "DateField"
    assert kinds["jours_de_transport"] == "MultipleChoiceField"
    assert isinstance(form.fields["notification_mdph"], ProcedureFileField)
    assert form.fields["notification_mdph"].widget.attrs["accept"] == ".pdf,application/pdf,.png,image/png"
    assert form.fields["notification_mdph"].max_bytes == 1024 * 1024


def test_file_field_refuses_wrong_type_oversize_and_disguised_content(procedure):
    field = procedure.get_form(page=procedure).fields["notification_mdph"]
    cases = {
        "notification.exe": (b"MZ\x90\x00", "n'est pas accepté"),
        "notification.pdf": (b"MZ\x90\x00 not a pdf", "format de fichier n'est pas accepté"),
        "grosse.pdf": (b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1), "dépasse la taille maximale autorisée (1 Mo)"),
    }
    for name, (content, message) in cases.items():
        with pytest.raises(Exception) as error:
            field.clean(SimpleUploadedFile(name, content))
        assert message in " ".join(error.value.messages), name


def test_wagtail_form_submissions_are_never_stored(procedure):
    with pytest.raises(NotImplementedError):
        procedure.process_form_submission(procedure.get_form(page=procedure))


def test_demo_content_is_complete_and_idempotent(db):
    from portal.demo import catalogue as demo
    from tests.factories import TeamFactory, UserFactory

    ensure_wagtail_root()
    actor = UserFactory(staff=True)
    # The demo organisation's teams the procedures go to (demo/data.py codes).
    codes = ("transport-scolaire-adapte", "subventions-culture-sport", "mediation")
    for code in (*codes, "pmi-cdas-guichen", "rsa-cdas-couronne-rennaise-sud"):
        TeamFactory(code=code)
    demo.seed(actor=actor, counts=Counts())
    first = ProcedurePage.objects.count()
    demo.seed(actor=actor, counts=Counts())
    assert ProcedurePage.objects.count() == first == 18
    open_pages = ProcedurePage.objects.filter(is_open=True)
    # Every planned procedure is open (issue 19): PMI, RSA, L49, arrêtés de voirie, agriculture, notaries.
    assert open_pages.count() == 18
    assert ProcedurePage.objects.filter(theme__slug="culture-sport").count() == 8
    transport = ProcedurePage.objects.get(slug="transport-scolaire-adapte")
    assert transport.destination_team.code == "transport-scolaire-adapte"
    assert transport.form_fields.filter(field_type="file", label__icontains="MDPH").exists()
    assert all(page.destination_team_id for page in open_pages)
    notaries = ProcedurePage.objects.get(slug="notaires-recuperation-aide-sociale")
    assert notaries.applicants == "organisation" and notaries.destination_team.code == "recours-succession"
    pmi = {f.label: f for f in ProcedurePage.objects.get(slug="suivi-pmi").form_fields.all()}
    assert pmi["Date prévue de l'accouchement"].condition_value == "Enceinte" and pmi["Nom"].prefill == "last_name"
    l49 = ProcedurePage.objects.get(slug="declaration-travaux").form_fields.filter(step=2)
    assert {"Latitude du point de travaux", "Date de début"} <= {f.label for f in l49}
    from django.test import Client

    accessibility = Client().get("/accessibilite/").content.decode()
    assert "<h2>État de conformité</h2>" in accessibility


def test_functional_admin_builds_a_procedure_in_the_wagtail_admin(client, home, catalogue, procedure):
    from tests.factories import UserFactory, verify_otp

    admin = UserFactory(staff=True, is_superuser=True)
    verify_otp(client, admin)
    add = client.get(f"/cms/pages/add/portal/procedurepage/{catalogue.pk}/")
    assert add.status_code == 200
    html = add.content.decode()
    assert "Fichier (pièce justificative)" in html and "Formats acceptés (fichiers)" in html
    assert "Équipe destinataire" in html and "Niveau de garantie d&#x27;identité requis" in html
    edit = client.get(f"/cms/pages/{procedure.pk}/edit/")
    assert edit.status_code == 200
    home_edit = client.get(f"/cms/pages/{home.pk}/edit/")
    assert home_edit.status_code == 200
    assert "Démarches mises en avant" in home_edit.content.decode()


def test_catalogue_query_count_does_not_grow_with_procedures(client, catalogue, themes, django_assert_max_num_queries):
    for i in range(2):
        make_procedure(catalogue, slug=f"aide-{i}", title=f"Aide {i}", theme=themes["culture"], fields=[])
    client.get(catalogue.url)
    with django_assert_max_num_queries(12) as few:
        client.get(catalogue.url)
    for i in range(2, 8):
        make_procedure(catalogue, slug=f"aide-{i}", title=f"Aide {i}", theme=themes["ecole"], fields=[])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(catalogue.url)


def test_home_and_procedure_page_query_counts_are_pinned(
    client, home, catalogue, themes, procedure, django_assert_num_queries
):
    for i in range(4):
        extra = make_procedure(catalogue, slug=f"aide-{i}", title=f"Aide {i}", theme=themes["culture"], fields=[])
        HomeFeaturedProcedure.objects.create(page=home, procedure=extra, sort_order=i)
    client.get("/")
    # Site, page, alias and view-restriction checks (Wagtail), featured, catalogue, themes, menu children.
    with django_assert_num_queries(8):
        assert client.get("/").status_code == 200
    client.get(procedure.url)
    # Wagtail's routing and checks (7: the catalogue finds the procedure with its own row in one query),
    # breadcrumb ancestors, theme.
    with django_assert_num_queries(9):
        assert client.get(procedure.url).status_code == 200
