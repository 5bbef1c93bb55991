"""The annuaire in the back office: the Info sociale team's moderation, claims and import screens; an agent's
orientation of a person from their social file, written on the timeline."""

import html
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annuaire import services
from annuaire.models import ImportRun, PendingChange, Representative, Structure
from dossier_unique.models import TimelineEntry
from grc.audit.models import AccessLog
from tests.factories import AddressFactory, UserFactory, verify_otp

from .factories import ServiceFactory, StructureFactory, commune, info_sociale_member

pytestmark = pytest.mark.django_db


def test_moderation_screens_are_the_info_sociale_teams_only(client, staff_user, django_assert_max_num_queries):
    structure = StructureFactory(telephone="0299000001")
    author = UserFactory(citizen_account=True, first_name="Léa", last_name="Martin")
    claim = services.structure_claim(user=author, structure=structure, siret=structure.siret)
    verify_otp(client, staff_user)
    assert client.get(reverse("backoffice:annuaire_queue")).status_code == 404
    client.logout()

    moderator = info_sociale_member()
    verify_otp(client, moderator)
    client.post(reverse("backoffice:annuaire_claim", args=[claim.pk]), {"validate": "1"})
    claim.refresh_from_db()
    assert claim.status == Representative.Status.VALIDATED
    change = services.change_propose(user=author, target=structure, data={"telephone": "0299000002"})
    with django_assert_max_num_queries(20):
        queue = client.get(reverse("backoffice:annuaire_queue"))
    assert queue.status_code == 200 and "Léa Martin" in queue.content.decode()
    detail = client.get(reverse("backoffice:annuaire_change", args=[change.pk])).content.decode()
    assert "0299000001" in detail and "0299000002" in detail  # the diff
    # Each read of partners' accounts has its own action and purpose in the access log (the DPO filters on them).
    logged = set(AccessLog.objects.filter(actor=moderator).values_list("action", "object_type", "purpose"))
    assert ("annuaire.queue", "annuaire.propositions", "annuaire : modération, propositions de modification en "
            "attente") in logged  # fmt: skip
    assert ("annuaire.claim", "annuaire.representative", "annuaire : examen d'une demande de rattachement") in logged
    change_read = ("annuaire.change", "annuaire.pendingchange", "annuaire : examen d'une proposition de modification")
    assert change_read in logged
    refused = client.post(reverse("backoffice:annuaire_change", args=[change.pk]), {"reject": "1", "reason": ""})
    assert refused.status_code == 200 and PendingChange.objects.get().status == PendingChange.Status.PENDING
    client.post(reverse("backoffice:annuaire_change", args=[change.pk]), {"publish": "1"})
    structure.refresh_from_db()
    assert structure.telephone == "0299000002"


def test_import_screen_reports_previews_then_applies(client, django_capture_on_commit_callbacks):
    verify_otp(client, info_sociale_member())
    payload = [
        {"source": "cd35", "id": "cd35--mjc", "nom": "MJC Bréquigny", "date_maj": "2025-09-01"},
        {"source": "cd35", "id": "cd35--x", "nom": "X", "date_maj": "2025-09-01"},
    ]
    upload = SimpleUploadedFile("structures.json", json.dumps(payload).encode())
    response = client.post(reverse("backoffice:annuaire_import"), {"file": upload})
    run = ImportRun.objects.get()
    assert response.url == reverse("backoffice:annuaire_import_preview", args=[run.pk])
    preview = client.get(response.url).content.decode()
    assert "texte trop court" in preview and "cd35--mjc" not in Structure.objects.values_list("di_id", flat=True)
    # Applying queues a worker job: the page shows its progress (and reloads itself) until the worker is done.
    with django_capture_on_commit_callbacks() as queued:
        client.post(response.url, {"apply": "1"})
    assert len(queued) == 1 and not Structure.objects.filter(di_id="cd35--mjc").exists()
    waiting = client.get(response.url).content.decode()
    assert "En cours : 0 ligne(s) écrite(s) sur 1" in html.unescape(waiting) and 'name="grc-refresh"' in waiting
    assert 'name="apply"' not in waiting  # cannot be applied twice
    queued[0]()  # the worker (the test backend runs the task at once)
    assert Structure.objects.filter(di_id="cd35--mjc").exists()
    done = html.unescape(client.get(response.url).content.decode())
    assert "Terminé le" in done and "1 ligne(s) traitée(s) sur 1" in done and 'name="grc-refresh"' not in done
    assert "1 ligne refusée à la vérification" in done
    run.refresh_from_db()
    assert run.status == ImportRun.Status.APPLIED and run.summary["structure"] == {"created": 1, "changed": 0}
    bad = client.post(reverse("backoffice:annuaire_import"), {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")})
    assert "Ce format n'est pas accepté" in html.unescape(bad.content.decode())


def test_orientation_from_the_file_nearest_first_on_the_timeline(client, followed, worker_a, worker_b):
    file, _accompaniment = followed
    AddressFactory(citizen=file.citizen, insee_code="35238", postcode="35000", city="Rennes")
    rennes, vitre = commune("35238"), commune("35360")
    near = ServiceFactory(structure=StructureFactory(latitude=rennes.latitude, longitude=rennes.longitude),
                          thematiques=["logement-hebergement--louer-un-logement"])  # fmt: skip
    far = ServiceFactory(structure=StructureFactory(commune=vitre, latitude=vitre.latitude, longitude=vitre.longitude),
                         thematiques=["logement-hebergement--louer-un-logement"])  # fmt: skip
    url = reverse("backoffice:annuaire_orientation", args=[file.pk])
    verify_otp(client, worker_b)
    assert client.get(url).status_code == 404  # another CDAS's worker does not see the file
    client.logout()
    verify_otp(client, worker_a)
    assert url in client.get(reverse("backoffice:file_detail", args=[file.pk])).content.decode()  # the file links it
    page = client.get(url, {"thematiques": "logement-hebergement", "rayon": "40"}).content.decode()
    assert page.index(near.structure.nom) < page.index(far.structure.nom)
    assert AccessLog.objects.filter(actor=worker_a, action=AccessLog.Action.FILE_VIEW).exists()
    response = client.post(url, {"service": near.pk, "comment": "RDV pris"})
    assert response.url == reverse("backoffice:file_detail", args=[file.pk])
    entry = TimelineEntry.objects.get(kind=TimelineEntry.Kind.ORIENTATION)
    assert entry.citizen_id == file.citizen_id and entry.author == worker_a
    assert near.nom in entry.title and "RDV pris" in entry.title
    assert entry.source_type == "annuaire.service" and entry.source_id == str(near.pk)
