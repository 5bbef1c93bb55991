"""Every hostile file to every path that takes a file: refused in French, nothing of it stored, the good
file of the same batch stored; and every accepted type passes every path that accepts it."""

import hashlib
import html
import io
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from demandes.models import RequestAttachment
from dossier_unique.models import Document
from grc import uploads
from grc.models import Citizen, Membership
from mail.models import MailItem
from tests import hostile_files
from tests.factories import CitizenFactory, UserFactory, verify_otp
from tests.portal.conftest import make_procedure
from tests.requests.factories import filed_request

pytestmark = pytest.mark.django_db

HOSTILE = hostile_files.HOSTILE
PATHS = ["document", "procedure", "message", "mailroom", "mail_api"]
SCAN_PATHS = {"mailroom", "mail_api"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stored_hashes() -> set[str]:
    """The SHA-256 of every file under the private storage and the media root."""
    hashes = set()
    for root in (django_settings.DSU_DOCUMENTS_ROOT, django_settings.MEDIA_ROOT):
        for path in Path(root).rglob("*"):
            if path.is_file():
                hashes.add(_sha(path.read_bytes()))
    return hashes


def _rows_with(sha: str) -> int:
    return (
        Document.objects.filter(sha256=sha).count()
        + RequestAttachment.objects.filter(sha256=sha).count()
        + MailItem.objects.filter(sha256=sha).count()
    )


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.DOCUMENT_MAX_BYTES = hostile_files.TEST_MAX_BYTES
    settings.MAIL_MAX_BYTES = hostile_files.TEST_MAX_BYTES


class Paths:
    """Send (bad, good) through one path as its user would; return the page or JSON as text."""

    def __init__(self, client, request):
        self.client = client
        self.request = request
        self._page = None
        self._token = None

    def document(self, bad, good):
        file, _accompaniment = self.request.getfixturevalue("followed")
        verify_otp(self.client, self.request.getfixturevalue("worker_a"))
        url = reverse("backoffice:file_document_add", kwargs={"pk": file.pk})
        texts = []
        for upload in (bad, good):  # one file per form: the good one is the next upload
            response = self.client.post(url, {"document-upload": upload, "document-doc_type": "autre"})
            assert response.status_code < 500
            texts.append(response.content.decode())
        return texts[0]

    def procedure(self, bad, good):
        if self._page is None:
            self._page = make_procedure(
                self.request.getfixturevalue("catalogue"),
                slug="aide-test-pieces",
                title="Aide (pièces)",
                fields=[
                    ("Nom de l'élève", "singleline", True, "", "", 10),
                    ("Pièce principale", "file", False, "", "pdf,png,jpg,jpeg,docx,xlsx,odt,ods", 20),
                    ("Autre pièce", "file", False, "", "pdf,png,jpg,jpeg,docx,xlsx,odt,ods", 20),
                ],
                required_assurance_level=Citizen.Assurance.DECLARED,
            )
        page = self._page
        user = UserFactory(citizen_account=True)
        CitizenFactory(user=user, assurance_level=Citizen.Assurance.EMAIL_VERIFIED)
        self.client.force_login(user)
        response = self.client.post(
            page.url,
            {"action": "draft", "nom_de_leleve": "Léa", "piece_principale": bad, "autre_piece": good},
        )
        assert response.status_code < 500
        text = response.content.decode()
        if response.status_code == 302:
            text = self.client.get(page.url).content.decode()
        return text

    def message(self, bad, good):
        req = filed_request(team=self.request.getfixturevalue("team_a"))
        self.client.force_login(req.account)
        url = reverse("espace:request_message_post", args=[req.tracking_code])
        response = self.client.post(url, {"msg-body": "Voici mes pièces.", "msg-files": [bad, good]}, follow=True)
        assert response.status_code < 500
        assert req.messages.get().body == "Voici mes pièces."  # the message lands with the good file
        return response.content.decode()

    def mailroom(self, bad, good):
        verify_otp(self.client, self.request.getfixturevalue("mailroom_agent"))
        response = self.client.post(reverse("backoffice:mailroom"), {"fichiers": [bad, good], "label": "Lot"})
        assert response.status_code < 500
        return response.content.decode()

    def mail_api(self, bad, good):
        if self._token is None:
            out = io.StringIO()
            call_command(
                "create_api_token",
                email="station@example.org",
                name="Scanner",
                team=self.request.getfixturevalue("mail_team").code,
                role=Membership.Role.MAILROOM_AGENT,
                stdout=out,
            )
            self._token = out.getvalue().strip().splitlines()[-1]
        token = self._token
        response = self.client.post(
            "/api/v1/mail", {"files": [bad, good]}, headers={"authorization": f"Bearer {token}"}
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["received"], body["refused"]) == (1, 1)
        refused, landed = body["results"]
        assert refused["id"] is None and landed["registration_number"]
        return refused["error"]


def _good_for(path: str) -> tuple[str, bytes]:
    name = "courrier-bon.pdf" if path in SCAN_PATHS else "attestation-bonne.pdf"
    return name, hostile_files.pdf(f"Bon fichier pour {path}")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.key for h in HOSTILE])
def test_every_bad_file_is_refused_on_every_path_and_the_good_one_lands(client, request, path, hostile):
    good_name, good_data = _good_for(path)
    text = getattr(Paths(client, request), path)(
        _upload(hostile.filename, hostile.data), _upload(good_name, good_data)
    )

    expected = hostile.scan if path in SCAN_PATHS else hostile.document
    assert expected in html.unescape(text)
    bad_sha = _sha(hostile.data)
    stored = _stored_hashes()
    assert _rows_with(bad_sha) == 0
    assert bad_sha not in stored
    assert _rows_with(_sha(good_data)) == 1
    assert _sha(good_data) in stored


@pytest.mark.parametrize("path", PATHS)
def test_every_accepted_type_passes(client, request, path):
    goods = hostile_files.good_scans() if path in SCAN_PATHS else hostile_files.good_documents()
    items = list(goods.items())
    sender = getattr(Paths(client, request), path)
    for name, data in items:  # each beside an empty file, which is refused
        client.cookies.clear()
        assert "Le fichier est vide." in html.unescape(sender(_upload("vide.pdf", b""), _upload(name, data)))
    stored = _stored_hashes()
    for _name, data in items:
        assert _rows_with(_sha(data)) == 1
        assert _sha(data) in stored


def test_a_200_mb_zip_bomb_is_refused_in_well_under_a_second():
    bomb = next(h for h in HOSTILE if h.key == "zip_bomb_docx").data
    assert len(bomb) < 300_000
    started = time.perf_counter()
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check(_upload("rapport.docx", bomb), uploads.document_policy())
    elapsed = time.perf_counter() - started
    assert refused.value.code == "bomb"
    assert elapsed < 0.2, elapsed


def test_mail_api_empty_file_first_then_a_valid_one_answers_201_with_both_lines(client, request):
    """It answered 500 although the valid file was registered: the station retried and made duplicates."""
    good = hostile_files.pdf("Courrier du matin")
    sender = Paths(client, request)
    error = sender.mail_api(_upload("vide.pdf", b""), _upload("courrier.pdf", good))
    assert error == "Le fichier est vide."
    item = MailItem.objects.get()
    assert item.sha256 == _sha(good) and item.batch.source == "api"
