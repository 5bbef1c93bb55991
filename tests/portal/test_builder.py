"""What functional admins build: conditional fields, steps, prefill from the account, and their Wagtail rights."""

import datetime

import pytest
from django.utils import timezone

from demandes.models import Request
from grc.models import Membership
from portal.perms import EDITORS_GROUP
from tests.factories import MembershipFactory, UserFactory, verify_otp

from .conftest import make_procedure

pytestmark = pytest.mark.django_db

FIELDS = [
    # label, type, required, choices, accepted types, max MB
    ("Vous déposez pour", "radio", True, "Vous-même\nUne association", "", 10),
    ("Adresse électronique de contact", "email", True, "", "", 10),
    ("Numéro SIRET", "singleline", True, "", "", 10),
    ("Montant demandé", "number", True, "", "", 10),
]


@pytest.fixture
def stepped(catalogue, destination_team):
    page = make_procedure(catalogue, slug="aide-projet", title="Aide à projet", fields=FIELDS, team=destination_team)
    fields = {f.label: f for f in page.form_fields.all()}
    fields["Adresse électronique de contact"].prefill = "email"
    fields["Numéro SIRET"].condition_field = "Vous déposez pour"
    fields["Numéro SIRET"].condition_value = "Une association"
    fields["Numéro SIRET"].step = 2
    fields["Numéro SIRET"].step_title = "Votre structure"
    fields["Montant demandé"].step = 2
    for field in fields.values():
        field.save()
    return page


def test_steps_conditions_and_prefill_as_the_citizen_sees_them(filer_client, filer, stepped):
    html = filer_client.get(stepped.url).content.decode()
    # One step per page on the server (portal/steps.py; tests/portal/test_steps.py walks through them).
    assert "Étape 1 sur 2" in html and "Étape 2 sur 2" not in html and 'name="_etape" value="1"' in html
    assert "Étape 2 sur 2 : Votre structure" in filer_client.get(stepped.url + "?etape=2").content.decode()
    assert f'value="{filer.email}"' in html
    # The SIRET (step 2) is asked only of an association, answered on step 1: the server knows it.
    step1 = {"_etape": "1", "adresse_electronique_de_contact": filer.email, "action": "next"}
    assert filer_client.post(stepped.url, {**step1, "vous_deposez_pour": "Vous-même"}).status_code == 302
    assert "id_numero_siret" not in filer_client.get(stepped.url + "?etape=2").content.decode()
    filer_client.post(stepped.url, {**step1, "vous_deposez_pour": "Une association"})
    step2 = filer_client.get(stepped.url + "?etape=2").content.decode()
    assert 'data-condition-field="vous_deposez_pour" data-condition-value="Une association"' in step2
    assert "js/portal-form.js" in html

    # For an association, the SIRET is required; for oneself it is neither asked nor kept.
    answers = {"adresse_electronique_de_contact": filer.email, "montant_demande": "1500", "action": "review"}
    refused = filer_client.post(stepped.url, {**answers, "vous_deposez_pour": "Une association"})
    assert refused.status_code == 200 and "Numéro SIRET : Ce champ est obligatoire." in refused.content.decode()
    ok = filer_client.post(stepped.url, {**answers, "vous_deposez_pour": "Vous-même", "numero_siret": "à ignorer"})
    assert ok.status_code == 302 and ok["Location"].endswith("/verification/")
    draft = Request.objects.get(account=filer, procedure_id=stepped.pk)
    assert "numero_siret" not in draft.answers and draft.answers["montant_demande"] == "1500"


def test_functional_admins_and_only_they_get_the_portal_editors_rights(client, home, catalogue, procedure):
    admin = MembershipFactory(role=Membership.Role.FUNCTIONAL_ADMIN).user
    instructor = MembershipFactory(role=Membership.Role.INSTRUCTOR).user
    assert admin.groups.filter(name=EDITORS_GROUP).exists()
    assert not instructor.groups.filter(name=EDITORS_GROUP).exists()

    verify_otp(client, admin)
    add = client.get(f"/cms/pages/add/portal/procedurepage/{catalogue.pk}/")
    assert add.status_code == 200
    html = add.content.decode()
    assert "Affiché seulement si le champ" in html and "Prérempli avec" in html and "Étape" in html
    assert client.get(f"/cms/pages/{procedure.pk}/edit/").status_code == 200
    assert client.get("/cms/snippets/portal/proceduretheme/add/").status_code == 200

    verify_otp(client, instructor)
    assert client.get(f"/cms/pages/add/portal/procedurepage/{catalogue.pk}/").status_code in (302, 403)

    # The role ends: the rights go with it (at the save, and at the next login for a dated end).
    membership = admin.memberships.get()
    membership.end_date = timezone.localdate() - datetime.timedelta(days=1)
    membership.save()
    assert not admin.groups.filter(name=EDITORS_GROUP).exists()
    verify_otp(client, admin)
    assert client.get(f"/cms/pages/add/portal/procedurepage/{catalogue.pk}/").status_code in (302, 403)


def test_a_plain_citizen_never_reaches_the_admin(client, home, catalogue):
    client.force_login(UserFactory(citizen_account=True))
    assert client.get(f"/cms/pages/add/portal/procedurepage/{catalogue.pk}/").status_code in (302, 403, 404)
