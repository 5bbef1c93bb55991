"""The access archive of the demo's portal citizen, on the demo data as ``make run`` loads it: every kind of
record the platform holds about her is there, nothing about the people around her."""

import io
import json
import zipfile

import pytest

from demo import data as demo_data
from grc.models import Citizen, HouseholdMembership, User
from privacy.archive import access_archive_compile
from tests.conftest import seeded_demo


@pytest.fixture(autouse=True)
def _media_root():
    """The module's demo documents live in the module's directories (overrides the per-test ones)."""


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with seeded_demo(django_db_blocker, tmp_path_factory, "demo-archive"):
        yield


@pytest.mark.django_db
def test_demo_citizen_archive_has_every_kind_of_record_and_no_one_else(demo):
    from demandes.models import Request
    from dossier_unique.models import Document, Note, SocialFile
    from grc.audit.models import AccessLog
    from mail.models import MailItem

    person = Citizen.objects.get(user__email=demo_data.PORTAL_ACCOUNT_EMAIL)
    dpo = User.objects.get(email=f"dpo@{demo_data.DEMO_EMAIL_DOMAIN}")
    accesses_before = AccessLog.objects.filter(citizen=person).count()  # the compilation logs itself after
    archive = access_archive_compile(citizen=person, actor=dpo)
    with archive.content.open("rb") as handle:
        bundle = zipfile.ZipFile(io.BytesIO(handle.read()))
    content = json.loads(bundle.read("archive.json"))
    raw = json.dumps(content, ensure_ascii=False)

    # Every kind of record the demo holds about her, each as many times as the database has it.
    assert (
        content["identite"]["nom_de_naissance"] == "Rolland" and content["adresses"] and content["moyens_de_contact"]
    )
    assert content["compte_du_portail"]["adresse_electronique"] == demo_data.PORTAL_ACCOUNT_EMAIL
    son = HouseholdMembership.objects.get(household__memberships__citizen=person, role="enfant").citizen
    assert [h["autres_membres"] for h in content["foyers"]] == [[{"nom": son.display_name, "role": "Enfant"}]]
    (social_file,) = content["dossiers_sociaux"]
    assert social_file["numero"] == SocialFile.objects.get(citizen=person).pk
    assert social_file["accompagnements"]
    shown_notes = Note.objects.filter(file__citizen=person).exclude(visibility="private").count()
    assert len(social_file["notes"]) == shown_notes > 0
    documents = Document.objects.filter(file__citizen=person)
    assert len(social_file["documents"]) == documents.count() > 0
    assert {f"documents/{d.pk}.pdf" for d in documents} <= set(bundle.namelist())
    assert len(content["demandes"]) == Request.objects.filter(citizen=person).count() > 0
    letters = MailItem.objects.filter(citizen=person)
    assert [m["numero_d_enregistrement"] for m in content["courriers"]] == [letters.get().registration_number]
    assert f"courriers/{letters.get().registration_number}.png" in bundle.namelist()
    assert content["acces_a_vos_donnees"]
    assert len(content["acces_a_vos_donnees"]) == accesses_before
    assert content["ce_qui_n_est_pas_communique"]

    # Nothing else about anyone else: her son by name and role only (they live together), no other demo
    # citizen's identity.
    assert son.birth_date.isoformat() not in raw
    others = Citizen.objects.exclude(pk=person.pk).exclude(birth_name__iexact="Rolland")
    leaked = [c.pk for c in others if c.birth_name.upper() in raw.upper() or (c.nir and c.nir in raw)]
    assert leaked == []
