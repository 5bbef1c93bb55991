import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from dossier_unique import perms, selectors, services
from dossier_unique.models import Document, Note, SharingGrant, Visibility
from grc import uploads
from tests.dossier_unique.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, in_days, pdf_upload, social_worker
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _check(upload):
    return uploads.check(upload, uploads.document_policy())


def note_ids(user, file):
    return set(selectors.notes_for(user=user, file=file).values_list("pk", flat=True))


def write(file, author, visibility, accompaniment=None):
    return services.note_write(
        file=file,
        author=author,
        text=f"Note {visibility}",
        kind=Note.Kind.ENTRETIEN,
        visibility=visibility,
        accompaniment=accompaniment,
    )


@pytest.fixture
def shared_with_b(followed, worker_a, team_b):
    file, _ = followed
    return services.grant_give(
        file=file,
        actor=worker_a,
        grantee_team=team_b,
        purpose="Suivi conjoint",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=in_days(30),
    )


def test_private_note_hidden_from_team(followed, worker_a, colleague_a):
    file, accompaniment = followed
    note = write(file, worker_a, Visibility.PRIVATE, accompaniment)
    assert note_ids(worker_a, file) == {note.pk}
    assert note_ids(colleague_a, file) == set()
    assert perms.can_view_note(worker_a, note)
    assert not perms.can_view_note(colleague_a, note)
    with pytest.raises(Http404):
        selectors.note_get(user=colleague_a, pk=note.pk)


def test_team_note_hidden_from_another_team_with_a_grant(followed, shared_with_b, worker_a, colleague_a, worker_b):
    file, accompaniment = followed
    team_note = write(file, worker_a, Visibility.TEAM, accompaniment)
    file_note = write(file, worker_a, Visibility.FILE)
    assert note_ids(colleague_a, file) == {team_note.pk, file_note.pk}
    assert note_ids(worker_b, file) == {file_note.pk}
    assert not perms.can_view_note(worker_b, team_note)
    assert perms.can_view_note(worker_b, file_note)
    assert selectors.note_get(user=worker_b, pk=file_note.pk) == file_note


def test_the_author_of_a_team_note_keeps_reading_it(followed, shared_with_b, worker_b, worker_a):
    file, accompaniment = followed
    services.member_add(file=file, user=worker_b, role="Psychologue", actor=worker_a)
    note = write(file, worker_b, Visibility.TEAM, accompaniment)  # team A's note, written by B
    assert note_ids(worker_b, file) == {note.pk}


def test_team_note_needs_an_accompaniment(followed, worker_a):
    file, _ = followed
    with pytest.raises(ValidationError) as error:
        write(file, worker_a, Visibility.TEAM)
    assert "accompagnement" in str(error.value)


def test_writing_needs_access_to_the_file(followed, worker_b):
    file, _ = followed
    with pytest.raises(PermissionDenied):
        write(file, worker_b, Visibility.FILE)


def test_team_notes_follow_a_transferred_accompaniment(followed, worker_a, colleague_a, team_b, worker_b):
    file, accompaniment = followed
    note = write(file, worker_a, Visibility.TEAM, accompaniment)
    services.member_add(file=file, user=colleague_a, role="Puéricultrice", actor=worker_a)
    services.accompaniment_transfer(accompaniment=accompaniment, team=team_b, reason="Déménagement", actor=worker_a)
    assert note_ids(worker_b, file) == {note.pk}
    assert note_ids(colleague_a, file) == set()  # still a member of the file, no longer of the team


# --- documents -------------------------------------------------------------------------------


def add(file, actor, *, confidential=False, accompaniment=None, upload=None):
    return services.document_add(
        file=file,
        upload=upload or pdf_upload(),
        actor=actor,
        doc_type=Document.DocType.MEDICAL,
        accompaniment=accompaniment,
        confidential=confidential,
        tags="santé, suivi",
    )


def doc_ids(user, file):
    return set(selectors.documents_for(user=user, file=file).values_list("pk", flat=True))


def test_document_is_stored_privately_with_its_fingerprint(followed, worker_a, settings):
    file, _ = followed
    document = add(file, worker_a)
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF_BYTES)
    assert len(document.sha256) == 64
    assert document.tag_list == ["santé", "suivi"]
    assert document.content.path.startswith(str(settings.DSU_DOCUMENTS_ROOT))
    assert "attestation" not in document.content.name
    with document.content.open("rb") as stored:
        assert stored.read() == PDF_BYTES


def test_confidential_document_rules(followed, shared_with_b, worker_a, colleague_a, worker_b, team_b):
    file, accompaniment = followed
    plain = add(file, worker_a)
    confidential = add(file, worker_a, confidential=True, accompaniment=accompaniment)
    assert doc_ids(colleague_a, file) == {plain.pk, confidential.pk}  # the accompaniment's team
    assert doc_ids(worker_b, file) == {plain.pk}  # a grantee team
    assert not perms.can_view_document(worker_b, confidential)
    with pytest.raises(Http404):
        selectors.document_get(user=worker_b, pk=confidential.pk)

    psychologist = social_worker(TeamFactory())
    services.member_add(file=file, user=psychologist, role="Psychologue", actor=worker_a)
    assert doc_ids(psychologist, file) == {plain.pk}
    trusted = social_worker(TeamFactory())
    services.member_add(file=file, user=trusted, role="Médecin PMI", actor=worker_a, may_see_personal_details=True)
    assert doc_ids(trusted, file) == {plain.pk, confidential.pk}
    assert perms.can_view_document(trusted, confidential)
    assert selectors.document_get(user=trusted, pk=confidential.pk) == confidential


def test_the_uploader_sees_their_confidential_document(followed, shared_with_b, worker_b):
    file, _ = followed
    document = add(file, worker_b, confidential=True)
    assert doc_ids(worker_b, file) == {document.pk}


def test_fake_pdf_is_rejected():
    with pytest.raises(ValidationError) as error:
        _check(SimpleUploadedFile("facture.pdf", b"MZ\x90\x00 this is an executable"))
    assert "format de fichier n'est pas accepté" in error.value.messages[0]


def test_extension_must_match_content():
    with pytest.raises(ValidationError) as error:
        _check(SimpleUploadedFile("photo.pdf", PNG_BYTES))
    assert "ne correspond pas à son extension" in error.value.messages[0]


def test_empty_file_is_rejected():
    with pytest.raises(ValidationError) as error:
        _check(SimpleUploadedFile("vide.pdf", b""))
    assert error.value.messages == ["Le fichier est vide."]


def test_oversize_file_is_rejected(settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as error:
        _check(SimpleUploadedFile("gros.pdf", PDF_BYTES + b"0" * 2000))
    assert "taille maximale" in error.value.messages[0]


def _zip(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_office_documents_are_recognised_by_content():
    docx = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"})
    odt = _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<c/>"})
    assert _check(SimpleUploadedFile("cv.docx", docx)).content_type.endswith("wordprocessingml.document")
    assert _check(SimpleUploadedFile("cv.odt", odt)).content_type == "application/vnd.oasis.opendocument.text"
    with pytest.raises(ValidationError):
        _check(SimpleUploadedFile("archive.docx", _zip({"readme.txt": "x"})))
    assert _check(SimpleUploadedFile("scan.JPG", JPEG_BYTES)).content_type == "image/jpeg"


def test_document_add_rejects_invalid_content_and_stores_nothing(followed, worker_a, settings):
    file, _ = followed
    with pytest.raises(ValidationError):
        add(file, worker_a, upload=SimpleUploadedFile("faux.pdf", b"<html>pas un pdf</html>"))
    assert not Document.objects.exists()
    root = settings.DSU_DOCUMENTS_ROOT
    assert not root.exists() or not any(root.rglob("*"))
