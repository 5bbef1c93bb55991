"""Fixtures of the privacy tests: the DPO, and a citizen with every kind of record around them."""

import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from demandes.models import Request, RequestAttachment, RequestEvent, RequestMessage
from dossier_unique import services as dsu
from dossier_unique.documents import document_storage
from dossier_unique.models import Visibility
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import ContactPoint, Household, HouseholdMembership
from grc.nir import key as nir_key
from mail.models import MailItem
from privacy import services as privacy_services
from tests.dossier_unique.factories import open_file, pdf_upload
from tests.factories import AddressFactory, CitizenFactory, UserFactory

PDF_SCAN = b"%PDF-1.4\n% scan COURRIER\n%%EOF\n"


@pytest.fixture(autouse=True)
def _privacy_root(settings, tmp_path):
    settings.PRIVACY_ARCHIVES_ROOT = tmp_path / "privacy"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def gdpr_entry(*, dpo, citizen=None, kind="access", requester_identity="Claire Lemoine", channel="mail"):
    """A register entry received today, recorded by the DPO (an access request by post unless told)."""
    return privacy_services.gdpr_request_create(
        actor=dpo,
        kind=kind,
        requester_identity=requester_identity,
        received_on=timezone.localdate(),
        channel=channel,
        citizen=citizen,
    )


def make_request(*, citizen, team, actor, account=None, code="D-2026-AAAAAA", status=Request.Status.ACCEPTED):
    request = Request.objects.create(
        tracking_code=code,
        procedure_title="Aide au transport scolaire adapté",
        citizen=citizen,
        account=account,
        channel=Request.Channel.WEB,
        status=status,
        team=team,
        answers={"motif": "REPONSE-FORMULAIRE-DEMANDE"},
        submitted_at=timezone.now(),
        decided_at=timezone.now() if status in Request.FINAL_STATUSES else None,
        decision_reason="DECISION-MOTIF" if status in Request.FINAL_STATUSES else "",
    )
    RequestEvent.objects.create(request=request, actor=actor, from_status="submitted", to_status="in_review")
    RequestEvent.objects.create(
        request=request, actor=actor, to_status="in_review", comment="COMMENTAIRE-INTERNE", visible_to_citizen=False
    )
    message = RequestMessage.objects.create(request=request, author=actor, body="MESSAGE-DU-SERVICE")
    content = b"%PDF-1.4\nPIECE-JOINTE\n%%EOF\n"
    digest = hashlib.sha256(content + code.encode()).hexdigest()
    attachment = RequestAttachment(
        request=request,
        message=message,
        original_name="justificatif.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=digest,
        uploaded_by=actor,
    )
    attachment.file.save("x", ContentFile(content), save=False)
    attachment.save()
    return request


def make_mail(*, citizen, actor, number=1, team=None):
    content = PDF_SCAN + str(number).encode()
    item = MailItem(
        registration_number=f"2026-C-{number:06d}",
        year=2026,
        number=number,
        original_name="scan.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
        status=MailItem.Status.HANDLED,
        ocr_text="COURRIER-OCR-TEXTE",
        sender="CAF d'Ille-et-Vilaine",
        citizen=citizen,
        team=team,
        handled_at=timezone.now(),
        routed_at=timezone.now(),
    )
    item.original.save("x", ContentFile(content), save=False)
    item.save()
    return item


@pytest.fixture
def rich(db, team_a, worker_a, dpo):
    """A citizen with identity, household, file (notes of each visibility, a document), a request with a
    message and an attachment, a letter, access-log rows; plus a spouse, a homonym and a merged duplicate."""
    # The tests check the professional's surname is nowhere in the archive: it must be one no other
    # text can contain (a random one, "Blanc" or "Roux", made that check fail now and then).
    type(worker_a).objects.filter(pk=worker_a.pk).update(last_name="Agentreferentunique")
    worker_a.refresh_from_db()
    first13 = "2850535238123"
    citizen = CitizenFactory(
        birth_name="Lemoine",
        first_names="Claire",
        birth_date=datetime.date(1985, 5, 17),
        nir=f"{first13}{nir_key(first13):02d}",
        user=UserFactory(citizen_account=True, email="claire.lemoine@example.org"),
    )
    AddressFactory(citizen=citizen, line1="4 rue des Lilas", postcode="35500", city="Vitré")
    ContactPoint.objects.create(citizen=citizen, kind="email", value="claire.lemoine@example.org")
    spouse = CitizenFactory(birth_name="Secretconjoint", first_names="Bertrand", birth_date=datetime.date(1979, 3, 2))
    AddressFactory(citizen=spouse, line1="99 avenue du Conjoint")
    household = Household.objects.create(label="Foyer LEMOINE-SECRETCONJOINT")
    HouseholdMembership.objects.create(household=household, citizen=citizen, role="declarant")
    HouseholdMembership.objects.create(household=household, citizen=spouse, role="conjoint")
    homonym = CitizenFactory(birth_name="Lemoine", first_names="Claire", birth_date=datetime.date(1990, 1, 1))
    AddressFactory(citizen=homonym, line1="12 rue de l'Homonyme")
    homonym_file, _ = open_file(citizen=homonym, team=team_a, actor=worker_a)
    dsu.note_write(file=homonym_file, author=worker_a, text="NOTE-DE-L-HOMONYME", kind="entretien", visibility="file")
    duplicate = CitizenFactory(birth_name="Lemoine", first_names="Clare", birth_date=datetime.date(1985, 5, 17))
    duplicate.status = "merged"
    duplicate.merged_into = citizen
    duplicate.save()

    file, accompaniment = open_file(citizen=citizen, team=team_a, actor=worker_a, referent=worker_a)
    notes = {
        "file": dsu.note_write(
            file=file, author=worker_a, text="NOTE-DOSSIER-VISIBLE", kind="entretien", visibility=Visibility.FILE
        ),
        "team": dsu.note_write(
            file=file,
            author=worker_a,
            text="NOTE-EQUIPE-VISIBLE",
            kind="observation",
            visibility=Visibility.TEAM,
            accompaniment=accompaniment,
        ),
        "private": dsu.note_write(
            file=file, author=worker_a, text="NOTE-PRIVEE-SECRETE", kind="observation", visibility=Visibility.PRIVATE
        ),
        "third": dsu.note_write(
            file=file, author=worker_a, text="NOTE-TIERS-RETENUE", kind="visite", visibility=Visibility.FILE
        ),
    }
    privacy_services.withholding_set(actor=dpo, note=notes["third"], reason="Mentionne la voisine")
    document = dsu.document_add(file=file, upload=pdf_upload(), actor=worker_a, doc_type="ressources")
    request = make_request(citizen=citizen, team=team_a, actor=worker_a, account=citizen.user)
    mail = make_mail(citizen=citizen, actor=worker_a, team=team_a)
    access_log_write(actor=worker_a, action=AccessLog.Action.FILE_VIEW, citizen=citizen, obj=file, purpose="suivi")
    access_log_write(actor=worker_a, action=AccessLog.Action.CITIZEN_VIEW, citizen=duplicate, purpose="doublon")
    access_log_write(actor=worker_a, action=AccessLog.Action.FILE_VIEW, citizen=homonym, purpose="HOMONYME-ACCES")
    return {
        "citizen": citizen,
        "spouse": spouse,
        "homonym": homonym,
        "homonym_file": homonym_file,
        "duplicate": duplicate,
        "file": file,
        "accompaniment": accompaniment,
        "notes": notes,
        "document": document,
        "request": request,
        "mail": mail,
        "worker": worker_a,
    }


def stored(field_file) -> bool:
    return bool(field_file.name) and document_storage().exists(field_file.name)
