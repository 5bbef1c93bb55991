"""« Estimer mes droits » on the portal, through Django's client: the five steps, the result from the real
OpenFisca engine, going back, French errors on garbage, nothing written to any table, the session cleaned, and the
pre-filling from a citizen's account only after the consent box."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from demo.records import Counts
from droits.engine import BENEFITS, EngineError
from grc.audit.models import AccessLog
from grc.models import Commune, Epci, Household, HouseholdMembership
from portal.demo.home import seed_portal_pages
from portal.demo.procedures import PLANNED, PROCEDURES
from portal.droits import views as droits_views
from portal.droits.flow import SESSION_KEY
from portal.models import ProcedureIndexPage
from tests.factories import AddressFactory, CitizenFactory, UserFactory, verify_otp
from tests.portal.conftest import ensure_wagtail_root, make_procedure

START = reverse("estimer:start")
RESULT = reverse("estimer:result")
CLEAR = reverse("estimer:clear")
PREFILL = reverse("estimer:prefill")

# A single person of 40, no resources, tenant in Rennes paying 450 € of rent, receiving nothing.
ALONE_NO_RESOURCES = [
    {"couple": "seul", "age": "40", "age_conjoint": "", "ages_enfants": "", "ages_autres": ""},
    {"demandeur_activite": "inactif", "demandeur_taux": ""},
    {f"demandeur_{k}": "" for k in ("salaire", "independant", "chomage", "pension", "autres")},
    {"statut": "locataire", "loyer": "450", "commune": "35238"},
    {},
]


COMMUNES = [("35238", "Rennes", ["35000", "35200", "35700"]), ("35047", "Bruz", ["35170"])]


def ensure_communes() -> None:
    """Rennes and Bruz (loaded by a grc migration, but a live-server test elsewhere may have flushed them)."""
    epci, _created = Epci.objects.get_or_create(code="243500139", defaults={"name": "Rennes Métropole", "kind": "ME"})
    for code, name, postcodes in COMMUNES:
        defaults = {"name": name, "postcodes": postcodes, "epci": epci, "latitude": 48.11, "longitude": -1.68}
        Commune.objects.get_or_create(code=code, defaults=defaults)


@pytest.fixture(autouse=True)
def communes(request):
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        ensure_communes()


def step_url(number: int) -> str:
    return reverse("estimer:step", kwargs={"number": number})


def walk(client, answers) -> None:
    for number, data in enumerate(answers, start=1):
        response = client.post(step_url(number), {**data, "action": "next"})
        assert response.status_code == 302, (number, response.content.decode()[:2000])


def table_counts() -> dict[str, int]:
    """Rows of every table of the project's apps (the access log too): what an anonymous estimate must not touch."""
    counts = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model._meta.app_label == "sessions":
            continue
        counts[model._meta.label] = model._base_manager.count()
    return counts


@pytest.mark.django_db
def test_anonymous_estimate_shows_rsa_writes_no_row_and_clearing_forgets(client):
    before = table_counts()
    walk(client, ALONE_NO_RESOURCES)
    assert SESSION_KEY in client.session
    response = client.get(RESULT)
    assert response.status_code == 200
    page = response.content.decode()
    estimate = response.context["estimate"]
    rsa = next(b for b in estimate.benefits if b.code == "rsa")
    assert rsa.monthly_amount > 300  # the RSA for a single person with no resources (forfait logement deducted)
    assert f"{rsa.monthly_amount:.2f}".replace(".", ",") in page.replace("\u202f", "").replace("\xa0", "")
    assert "pas de droit estimé" in page  # the family allowances, for one
    css = next(b for b in estimate.benefits if b.code == "css")
    assert css.eligible and css.monthly_amount == 0  # health costs paid, no money: said so, not "pas de droit"
    assert "droit estimé (pas de versement d'argent)" in page
    assert "Une estimation, pas une décision" in page
    assert estimate.engine in page and estimate.period in page
    assert "Se faire aider près de chez vous" in page and "/lieux/?commune=35238" in page
    assert table_counts() == before, "an anonymous estimate wrote rows"

    response = client.post(CLEAR)
    assert response.status_code == 302 and SESSION_KEY not in client.session
    assert client.get(RESULT)["Location"] == step_url(1)  # nothing left to estimate


@pytest.mark.django_db
def test_going_back_keeps_what_was_typed_even_wrong(client):
    walk(client, ALONE_NO_RESOURCES[:2])
    typed = {"demandeur_salaire": "1 200,50", "demandeur_chomage": "-3", "action": "previous"}
    response = client.post(step_url(3), typed)
    assert response["Location"] == step_url(2)
    page = client.get(step_url(3)).content.decode()
    assert 'value="1 200,50"' in page and 'value="-3"' in page
    assert "Un montant ne peut pas être négatif." in page
    assert client.get(step_url(2)).context["form"]["demandeur_activite"].value() == "inactif"
    assert client.get(step_url(1)).context["form"]["age"].value() == "40"
    # The result sends back to the step still wrong.
    assert client.get(RESULT)["Location"] == step_url(3)


GARBAGE = [
    # step, data, field, French message part
    (1, {"couple": "seul", "age": "200"}, "age", "120 ans"),
    (1, {"couple": "seul", "age": "quarante"}, "age", "en chiffres"),
    (1, {"couple": "couple", "age": "40"}, "age_conjoint", "conjoint"),
    (1, {"couple": "polygame", "age": "40"}, "couple", ""),
    (1, {"couple": "seul", "age": "40", "ages_enfants": ", ".join(["3"] * 50)}, "ages_enfants", "Au plus 12"),
    (1, {"couple": "seul", "age": "40", "ages_enfants": "3, -1"}, "ages_enfants", "n'est pas un âge"),
    (1, {"couple": "seul", "age": "40", "ages_enfants": "99"}, "ages_enfants", "de 0 à 25"),
    (1, {"couple": "seul", "age": "40", "ages_autres": "12"}, "ages_autres", "de 18 à 120"),
    (2, {"demandeur_activite": "astronaute"}, "demandeur_activite", "Situation inconnue"),
    (2, {"demandeur_activite": "inactif", "demandeur_taux": "150"}, "demandeur_taux", "de 0 à 100"),
    (3, {"demandeur_salaire": "-800"}, "demandeur_salaire", "négatif"),
    (3, {"demandeur_salaire": "9" * 40}, "demandeur_salaire", ""),
    (3, {"demandeur_pension": "1e9"}, "demandeur_pension", "montant en euros"),
    (3, {"demandeur_autres": "99999999"}, "demandeur_autres", "100 000"),
    (4, {"statut": "locataire", "loyer": "", "commune": "35238"}, "loyer", "loyer"),
    (4, {"statut": "locataire", "loyer": "400", "commune": "75056"}, "commune", "Ille-et-Vilaine"),
    (4, {"statut": "chateau", "loyer": "", "commune": "35238"}, "statut", "inconnue"),
    (5, {"percues": ["rsa", "loto"]}, "percues", "loto"),
]


@pytest.mark.django_db
def test_garbage_gets_a_french_error_on_its_field_never_a_500(client):
    walk(client, ALONE_NO_RESOURCES[:1])
    for number, data, field, message in GARBAGE:
        if number > 1:
            walk(client, ALONE_NO_RESOURCES[: number - 1])
        response = client.post(step_url(number), {**data, "action": "next"})
        assert response.status_code == 400, (data, response.status_code)
        errors = response.context["form"].errors
        assert field in errors, (data, errors)
        assert message in " ".join(errors[field]), (data, errors[field])
    assert client.get(step_url(9)).status_code == 404
    assert client.get(reverse("estimer:step", kwargs={"number": 0})).status_code == 404


@pytest.mark.django_db
def test_gir_is_asked_from_60_and_a_family_gets_family_allowances(client):
    walk(client, [{"couple": "couple", "age": "64", "age_conjoint": "38", "ages_enfants": "4, 9", "ages_autres": ""}])
    form = client.get(step_url(2)).context["form"]
    assert "demandeur_gir" in form.fields and "conjoint_gir" not in form.fields
    walk(
        client,
        [
            {"couple": "couple", "age": "41", "age_conjoint": "38", "ages_enfants": "4, 9"},
            {"demandeur_activite": "salarie", "conjoint_activite": "inactif"},
            {"demandeur_salaire": "1500"},
            {"statut": "locataire", "loyer": "650", "commune": "35238"},
            {"percues": ["aides_logement"]},
        ],
    )
    response = client.get(RESULT)
    rows = {row["estimate"].code: row for row in response.context["rows"]}
    assert rows["allocations_familiales"]["estimate"].monthly_amount > 100
    assert rows["aides_logement"]["received"] and not rows["rsa"]["received"]
    assert "déjà perçue" in response.content.decode()


@pytest.fixture
def procedure_catalogue(db):
    ensure_wagtail_root()
    page = ProcedureIndexPage(title="Toutes les démarches", slug="demarches")
    seed_portal_pages(counts=Counts()).add_child(instance=page)
    return page


@pytest.mark.django_db
def test_how_to_apply_links_the_portal_procedure_when_the_benefit_has_one(client, procedure_catalogue):
    make_procedure(procedure_catalogue, slug="demande-rsa", title="RSA : demande", fields=[])
    walk(client, ALONE_NO_RESOURCES)
    response = client.get(RESULT)
    rows = {row["estimate"].code: row for row in response.context["rows"]}
    assert rows["rsa"]["portal_url"].endswith("/demande-rsa/")
    assert client.get(rows["rsa"]["portal_url"]).status_code == 200
    assert rows["aah"]["portal_url"] is None and rows["aah"]["national_url"].startswith("https://")


def test_every_portal_procedure_of_the_catalogue_is_a_demo_procedure():
    demo_slugs = {procedure.slug for procedure in [*PROCEDURES, *PLANNED]}
    wanted = {b.code: b.portal_procedure_slug for b in BENEFITS if b.portal_procedure_slug}
    assert wanted == {"rsa": "demande-rsa"}
    assert {code: slug for code, slug in wanted.items() if slug not in demo_slugs} == {}


def _family_citizen():
    account = UserFactory(citizen_account=True)
    today = timezone.localdate()
    citizen = CitizenFactory(user=account, birth_date=today.replace(year=today.year - 45))
    household = Household.objects.create(label="Foyer test")
    HouseholdMembership.objects.create(household=household, citizen=citizen, role="declarant")
    for role, years in (("conjoint", 43), ("enfant", 12), ("enfant", 7)):
        other = CitizenFactory(birth_date=today.replace(year=today.year - years) - datetime.timedelta(days=30))
        HouseholdMembership.objects.create(household=household, citizen=other, role=role)
    AddressFactory(citizen=citizen, insee_code="35047", postcode="35170", city="Bruz")
    return account, citizen


@pytest.mark.django_db
def test_prefill_reads_the_account_only_after_the_consent_box(client):
    account, citizen = _family_citizen()
    client.force_login(account)
    logged = AccessLog.objects.filter(actor=account)
    page = client.get(step_url(1)).content.decode()
    assert "Pré-remplir avec les informations de mon compte" in page
    assert 'name="consentement"' in page and "checked" not in page.split('name="consentement"')[1].split(">")[0]

    response = client.post(PREFILL, {})
    assert response.status_code == 400
    assert "Cochez la case" in response.content.decode()
    assert logged.count() == 0 and SESSION_KEY not in client.session  # nothing read without consent

    assert client.post(PREFILL, {"consentement": "on"})["Location"] == step_url(1)
    form = client.get(step_url(1)).context["form"]
    assert form["couple"].value() == "couple" and form["age"].value() == "45"
    assert form["age_conjoint"].value() == "43" and form["ages_enfants"].value() == "12, 7"
    assert client.get(step_url(4)).context["form"]["commune"].value() == "35047"
    row = logged.get()
    assert row.action == AccessLog.Action.CITIZEN_SELF_VIEW and row.citizen_id == citizen.pk


@pytest.mark.django_db
def test_prefill_is_for_citizen_accounts_only(client):
    assert client.post(PREFILL, {"consentement": "on"}).status_code == 404
    assert "Pré-remplir" not in client.get(step_url(1)).content.decode()
    verify_otp(client, UserFactory(staff=True))
    assert client.post(PREFILL, {"consentement": "on"}).status_code == 404


@pytest.mark.django_db
def test_result_page_query_count(client, django_assert_max_num_queries):
    walk(client, ALONE_NO_RESOURCES)
    client.get(RESULT)  # the engine loads once per process, not counted here
    with django_assert_max_num_queries(10):
        assert client.get(RESULT).status_code == 200


@pytest.mark.django_db
def test_an_engine_failure_is_a_french_message_and_the_answers_stay(client, monkeypatch):
    def broken(**_kwargs):
        raise EngineError("Le calcul des droits a échoué : réessayez plus tard.")

    monkeypatch.setattr(droits_views, "estimate", broken)  # the engine's own failure path, without breaking it
    walk(client, ALONE_NO_RESOURCES)
    response = client.get(RESULT)
    assert response.status_code == 503
    page = response.content.decode()
    assert "L'estimation est indisponible pour le moment" in page
    assert "Le calcul des droits a échoué" in page and "Traceback" not in page
    assert SESSION_KEY in client.session  # nothing typed is lost
