import io
from collections import Counter
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.utils.html import escape

from demo import data
from demo.bulk import CHANGE_REASON
from grc.matching.names import normalised_fields
from grc.models import (
    Address,
    Citizen,
    ContactPoint,
    Household,
    HouseholdMembership,
    Membership,
    Site,
    Team,
    Territory,
    User,
)
from portal.demo.home import PORTAL_TITLE
from tests.conftest import seeded_demo

pytestmark = pytest.mark.django_db

COUNTED = [Territory, Site, Team, Membership, User, Citizen, Address, ContactPoint, Household, HouseholdMembership]


def seed(**options):
    out = io.StringIO()
    options.setdefault("demo_citizens", 30)
    options.setdefault("directory_size", 100)  # bench/annuaire.py seeds and measures the 3,500
    call_command("seed_demo", no_progress=True, stdout=out, **options)
    return out.getvalue()


def backup_codes(output):
    """email -> the two backup codes printed in the demo logins table."""
    codes = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) == 5 and cells[0].endswith("@" + data.DEMO_EMAIL_DOMAIN):
            codes[cells[0]] = cells[4].split()
    return codes


def counts():
    return {m.__name__: (m.objects.count(), m.history.count()) for m in COUNTED}


@dataclass(frozen=True)
class Seeded:
    """The module's demo, seeded twice as ``make run`` does it on a machine where it ran before."""

    output: str  # what the second run printed (its backup codes are the valid ones: each run makes new ones)
    before: tuple  # (counts(), dsu_counts()) after the first run
    after: tuple  # the same after the second run


@pytest.fixture(autouse=True)
def _media_root():
    """The module's demo documents live in the module's directories (overrides the per-test ones)."""


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """``seed_demo`` run once for the module (60 demo citizens), then a second time: seeding is the slow part
    (~20 s), and every test below reads the same world. A test that seeds again does it in its own
    transaction, rolled back after it."""
    from django.test import TestCase

    with seeded_demo(django_db_blocker, tmp_path_factory, "seed", demo_citizens=60), django_db_blocker.unblock():
        before = counts(), dsu_counts()
        with TestCase.captureOnCommitCallbacks(execute=True):
            output = seed(demo_citizens=60)
        yield Seeded(output=output, before=before, after=(counts(), dsu_counts()))


def test_seed_creates_the_six_territories_and_the_named_cdas(seeded):
    assert set(Territory.objects.values_list("name", flat=True)) == {
        "Pays de Rennes",
        "Pays de Saint-Malo",
        "Pays de Vitré",
        "Pays de Fougères",
        "Pays de Redon-Vallons",
        "Pays de Brocéliande",
    }
    expected = {
        "CDAS Saint-Malo": "Pays de Saint-Malo",
        "CDAS Marches de Bretagne": "Pays de Fougères",
        "CDAS Guichen": "Pays de Redon-Vallons",
        "CDAS Brocéliande": "Pays de Brocéliande",
        "CDAS de la Baie": "Pays de Saint-Malo",
        "CDAS Vitré": "Pays de Vitré",
        "CDAS Couronne rennaise Est": "Pays de Rennes",
        "CDAS Couronne rennaise Sud": "Pays de Rennes",
    }
    cdas = dict(Site.objects.filter(kind=Site.Kind.CDAS).values_list("name", "territory__name"))
    assert expected.items() <= cdas.items()
    assert len(cdas) >= 20
    assert Site.objects.filter(kind=Site.Kind.MAILROOM).exists()
    assert Site.objects.filter(kind=Site.Kind.HEADQUARTERS).exists()
    assert set(Team.objects.filter(site__name="CDAS Vitré").values_list("kind", flat=True)) >= {
        "pmi",
        "rsa",
        "ase",
        "apa_pch",
        "polyvalence",
    }
    for kind in ("transport", "subventions", "mediation", "courrier", "dpo"):
        assert Team.objects.filter(kind=kind, territory__isnull=True).exists()


def test_demo_staff_cover_every_role_and_the_admin_is_superuser(seeded):
    roles = set(Membership.objects.filter(user__email__endswith=data.DEMO_EMAIL_DOMAIN).values_list("role", flat=True))
    assert roles == set(Membership.Role.values)
    social_worker_sites = set(
        Membership.objects.filter(role=Membership.Role.SOCIAL_WORKER).values_list("team__site", flat=True)
    )
    assert len(social_worker_sites) >= 2
    admin = User.objects.get(email=f"admin@{data.DEMO_EMAIL_DOMAIN}")
    assert admin.is_staff and admin.is_superuser
    portal = User.objects.get(email=data.PORTAL_ACCOUNT_EMAIL)
    assert not portal.is_staff
    assert portal.citizen.birth_name == data.PORTAL_CITIZEN["birth_name"]


def test_second_run_changes_nothing(seeded):
    assert seeded.after[0] == seeded.before[0]
    assert "créés" in seeded.output


def test_printed_backup_codes_pass_the_second_factor(seeded, client):
    codes = backup_codes(seeded.output)
    assert set(codes) == {spec.email for spec in data.DEMO_STAFF}
    assert all(len(pair) == 2 for pair in codes.values())
    email = f"ts.vitre@{data.DEMO_EMAIL_DOMAIN}"
    response = client.post("/connexion/", {"username": email, "password": data.DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.get("/backoffice/").status_code == 302  # not verified yet: sent to the 2FA step
    response = client.post("/backoffice/2fa/", {"token": codes[email][0]})
    assert response.status_code == 302
    assert client.get("/backoffice/").status_code == 200


def test_password_option_sets_the_demo_password(seeded, client):
    seed(demo_citizens=60, password="autre-mot-de-passe-2026")
    user = User.objects.get(email=f"dpo@{data.DEMO_EMAIL_DOMAIN}")
    assert user.check_password("autre-mot-de-passe-2026")


def test_planted_duplicates_of_every_kind_are_present(seeded):
    kinds = Counter(pair.kind for pair in data.PLANTED_PAIRS)
    assert set(kinds) == set(data.PLANTED_KINDS)
    assert min(kinds.values()) >= 2
    for pair in data.PLANTED_PAIRS:
        a, b = (
            Citizen.objects.get(
                birth_name=r["birth_name"],
                usage_name=r["usage_name"],
                first_names=r["first_names"],
                birth_date=r["birth_date"],
            )
            for r in (pair.a, pair.b)
        )
        assert a.pk != b.pk
        if pair.kind == "same_nir":
            assert a.nir and a.nir[5:10] == a.birth_place_code == b.birth_place_code
        if pair.kind == "homonym":
            assert a.norm_birth_name == b.norm_birth_name and a.birth_date != b.birth_date


def test_demo_citizens_are_written_with_history_addresses_and_households(seeded):
    demo = Citizen.objects.exclude(pk__in=[]).filter(addresses__isnull=False).distinct()
    assert demo.count() >= 60
    assert Citizen.history.filter(history_type="+").count() == Citizen.objects.count()
    assert HouseholdMembership.objects.filter(role="enfant").exists()
    assert HouseholdMembership.history.count() == HouseholdMembership.objects.count()
    assert Citizen.objects.exclude(usage_name="").exists()
    assert Citizen.objects.exclude(nir="").exists()
    sample = Citizen.objects.exclude(usage_name="").first()
    assert (
        sample.search_name
        == normalised_fields(
            birth_name=sample.birth_name, usage_name=sample.usage_name, first_names=sample.first_names
        )["search_name"]
    )


def test_bulk_load_adds_citizens_with_normalised_columns_and_history(seeded):
    before = Citizen.objects.count()
    output = seed(demo_citizens=0, citizens=2000)
    assert Citizen.objects.count() == before + 2000
    loaded = Citizen.objects.filter(
        pk__in=Citizen.history.filter(history_type="+", history_change_reason=CHANGE_REASON).values("id")
    )
    assert loaded.count() == 2000
    assert Address.history.filter(history_change_reason=CHANGE_REASON, history_type="+").count() == 2000
    assert Address.objects.filter(citizen__in=loaded, end_date__isnull=True).count() == 2000
    bulk_households = Household.history.filter(history_change_reason=CHANGE_REASON).values("id")
    assert Household.objects.filter(pk__in=bulk_households).count() == bulk_households.count() > 0
    members = HouseholdMembership.objects.filter(citizen__in=loaded)
    assert members.count() == HouseholdMembership.history.filter(history_change_reason=CHANGE_REASON).count() > 0
    assert set(members.values_list("role", flat=True)) == {"declarant", "conjoint", "enfant"}
    for citizen in loaded.order_by("?")[:50]:
        fields = normalised_fields(
            birth_name=citizen.birth_name, usage_name=citizen.usage_name, first_names=citizen.first_names
        )
        assert {name: getattr(citizen, name) for name in fields} == fields
    assert "2000 usagers" in output


def test_portal_home_page_is_public_after_seeding(seeded, client):
    response = client.get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert escape(PORTAL_TITLE) in content
    assert 'href="/backoffice/"' in content and "Espace agents" in content


def test_portal_content_page_renders_its_body(seeded, client):
    from wagtail.rich_text import RichText

    from portal.models import ContentPage, HomePage

    home = HomePage.objects.get()
    page = ContentPage(
        title="Transport scolaire adapté",
        slug="transport-scolaire-adapte",
        body=[
            ("heading", "Qui peut en bénéficier ?"),
            ("paragraph", RichText("<p>Les élèves en situation de handicap.</p>")),
        ],
    )
    home.add_child(instance=page)
    response = client.get("/transport-scolaire-adapte/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Transport scolaire adapté</h1>" in content
    assert "Qui peut en bénéficier ?" in content and "Les élèves en situation de handicap." in content
    assert 'aria-current="page"' in content


# -- social files (demo.seeders.social_files) -----------------------------------------------


def dsu_counts():
    from dossier_unique import models as dsu

    counted = [
        dsu.SocialFile,
        dsu.Accompaniment,
        dsu.Note,
        dsu.Document,
        dsu.FileMember,
        dsu.SharingGrant,
        dsu.TimelineEntry,
        dsu.SocialFileGroupObjectPermission,
        dsu.SocialFileUserObjectPermission,
        dsu.TeamGroup,
    ]
    return {m.__name__: (m.objects.count(), m.history.count()) for m in counted}


def demo_user(name):
    return User.objects.get(email=f"{name}@{data.DEMO_EMAIL_DOMAIN}")


def test_ts_vitre_sees_vitre_files_and_not_saint_malo_ones(seeded):
    from dossier_unique.models import Accompaniment
    from dossier_unique.selectors import files_for

    vitre = set(files_for(user=demo_user("ts.vitre")).values_list("pk", flat=True))
    saint_malo = set(files_for(user=demo_user("ts.saint-malo")).values_list("pk", flat=True))
    assert len(vitre) >= 10
    teams = set(Accompaniment.objects.filter(file__in=vitre, status="open").values_list("team__site__name", flat=True))
    assert "CDAS Vitré" in teams and "CDAS Saint-Malo" not in teams
    assert set(Territory.objects.filter(social_files__in=vitre).values_list("code", flat=True)) == {"pays-de-vitre"}
    # Saint-Malo's own files stay out of ts.vitre's sight; one Vitré file is shared with Saint-Malo.
    shared = vitre & saint_malo
    assert len(shared) == 1
    assert len(saint_malo - shared) >= 5
    assert not (saint_malo - shared) & vitre


def test_demo_files_have_notes_of_each_visibility_documents_members_and_one_grant(seeded):
    from dossier_unique.models import Accompaniment, Document, EmergencyAccess, FileMember, Note, SharingGrant

    assert set(Note.objects.values_list("visibility", flat=True)) == {"file", "team", "private"}
    programmes = set(Accompaniment.objects.values_list("programme", flat=True))
    assert programmes >= {"rsa", "pmi", "ase", "apa", "logement_fsl"}
    assert Accompaniment.objects.filter(status="closed").exists()
    assert FileMember.objects.exists()
    # Three in one Vitré file (one confidential), and the portal citizen's tax notice in hers.
    documents = Document.objects.order_by("pk")
    assert [d.content_type for d in documents] == [
        "application/pdf",
        "image/png",
        "application/pdf",
        "application/pdf",
    ]
    assert [d.confidential for d in documents] == [False, False, True, False]
    assert documents[3].file.citizen.user.email == data.PORTAL_ACCOUNT_EMAIL
    with documents[0].content.open("rb") as stored:
        assert stored.read().startswith(b"%PDF-1.4")
    grant = SharingGrant.objects.get()
    assert grant.purpose and grant.legal_basis == SharingGrant.LegalBasis.L121_6_2
    assert grant.grantee_team.code == "asp-cdas-saint-malo"
    assert not EmergencyAccess.objects.exists()


def test_second_run_creates_no_social_file_content(seeded):
    assert seeded.after[1] == seeded.before[1]
    assert "dossiers sociaux" in seeded.output


def test_demo_documents_are_valid_pdf_and_png():
    from PIL import Image

    from demo.files import minimal_pdf, small_png

    pdf = minimal_pdf()
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert pdf[xref:].startswith(b"xref")
    image = Image.open(io.BytesIO(small_png()))
    image.verify()
    assert image.format == "PNG"
