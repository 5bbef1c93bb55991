"""Intake: what is accepted, what is refused (and why, in French), storage, dedup, numbering."""

import hashlib
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from mail import intake, services
from mail.models import MailBatch, MailDuplicateUpload, MailEvent, MailItem, RegistrationCounter
from tests.mail import letters
from tests.mail.conftest import FLUSHABLE_APPS

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def letter_png():
    return letters.png_bytes(letters.make_letter(seed=11), dpi=100)


def _upload(data, name="scan"):
    return letters.as_upload(data, name)


def test_type_is_decided_from_the_bytes_and_the_extension_must_name_it(mailroom_agent, letter_png):
    item = services.mail_receive(uploaded_file=_upload(letter_png, "courrier"), user=mailroom_agent).item
    assert item.content_type == "image/png"
    assert item.original_name == "courrier"
    with pytest.raises(ValidationError) as refused:
        intake.validate_scan(_upload(letter_png, "courrier.pdf"))
    assert refused.value.messages == ["Le contenu du fichier ne correspond pas à son extension « pdf »."]

    with pytest.raises(ValidationError) as refused:
        intake.validate_scan(_upload(b"Bonjour, ceci est un simple texte.\n", "lettre.pdf"))
    assert refused.value.messages == ["Ce format n'est pas accepté : déposez un PDF, une image JPEG, PNG ou TIFF."]


def test_accepted_formats_and_page_counts():
    letter = letters.make_letter(seed=12)
    checked = {
        "pdf": intake.validate_scan(_upload(letters.pdf_bytes(letter, pages=3, dpi=72))),
        "tiff": intake.validate_scan(_upload(letters.tiff_bytes(letter, pages=2, dpi=72))),
        "jpeg": intake.validate_scan(_upload(letters.jpeg_bytes(letter, dpi=72))),
        "png": intake.validate_scan(_upload(letters.png_bytes(letter, dpi=72))),
    }
    assert {kind: (c.content_type, c.page_count) for kind, c in checked.items()} == {
        "pdf": ("application/pdf", 3),
        "tiff": ("image/tiff", 2),
        "jpeg": ("image/jpeg", 1),
        "png": ("image/png", 1),
    }


def test_batch_refuses_bad_files_with_their_message_and_lands_the_good_ones(settings, mailroom_agent, letter_png):
    settings.MAIL_MAX_BYTES = 600_000
    good_pdf = letters.pdf_bytes(letters.make_letter(seed=13), dpi=72)
    good_tiff = letters.tiff_bytes(letters.make_letter(seed=14), pages=2, dpi=72)
    files = [
        _upload(letter_png, "lettre-1.png"),
        _upload(b"%PDF is what the name says, not the content", "faux.pdf"),
        _upload(letters.encrypted_pdf_bytes(), "chiffre.pdf"),
        _upload(b"", "vide.pdf"),
        _upload(b"%PDF-1.4\n" + b"0" * 700_000, "enorme.pdf"),
        _upload(letters.image_bomb_png(), "bombe.png"),
        _upload(letters.image_bomb_png(9_000), "grande.png"),
        _upload(good_pdf[: len(good_pdf) // 3], "tronque.pdf"),
        _upload(letter_png[:-12], "sans-fin.png"),
        _upload(good_pdf, "lettre-2.pdf"),
        _upload(good_tiff, "lettre-3.tif"),
    ]
    lines = services.mail_receive_batch(files=files, user=mailroom_agent, source=MailBatch.Source.SCREEN)

    assert [(line.name, line.error) for line in lines] == [
        ("lettre-1.png", ""),
        ("faux.pdf", "Ce format n'est pas accepté : déposez un PDF, une image JPEG, PNG ou TIFF."),
        ("chiffre.pdf", "Le PDF est protégé par un mot de passe : déposez une version non chiffrée."),
        ("vide.pdf", "Le fichier est vide."),
        ("enorme.pdf", "Le fichier dépasse la taille maximale autorisée (586 Ko)."),
        (
            "bombe.png",
            "L'image est bien trop grande (plus de 60 millions de pixels) : numérisez à 300 dpi au plus.",
        ),
        ("grande.png", "L'image est trop grande (81 millions de pixels, au plus 60) : numérisez à 300 dpi au plus."),
        ("tronque.pdf", "Le fichier est illisible ou endommagé : numérisez à nouveau le document."),
        ("sans-fin.png", "Le fichier est illisible ou endommagé : numérisez à nouveau le document."),
        ("lettre-2.pdf", ""),
        ("lettre-3.tif", ""),
    ]
    year = timezone.localdate().year
    landed = [line.item for line in lines if line.ok]
    # Refused files use no number: the three good ones are 1, 2, 3.
    assert [item.registration_number for item in landed] == [f"{year}-C-{n:06d}" for n in (1, 2, 3)]
    assert {item.batch_id for item in landed} == {landed[0].batch_id}
    assert MailItem.objects.count() == 3
    assert RegistrationCounter.objects.get(year=year).last_number == 3


def test_page_limit(settings):
    settings.MAIL_MAX_PAGES = 4
    with pytest.raises(ValidationError) as refused:
        intake.validate_scan(_upload(letters.blank_pdf_bytes(5)))
    assert refused.value.messages == ["Le document compte 5 pages ; au plus 4 pages par fichier."]
    with pytest.raises(ValidationError):
        intake.validate_scan(_upload(letters.tiff_bytes(letters.make_letter(seed=1), pages=5, dpi=50)))


def test_original_is_stored_privately_under_its_sha256(settings, mailroom_agent, letter_png):
    item = services.mail_receive(uploaded_file=_upload(letter_png), user=mailroom_agent).item
    sha = hashlib.sha256(letter_png).hexdigest()
    assert item.sha256 == sha
    path = Path(settings.DSU_DOCUMENTS_ROOT) / "mail" / sha[:2] / sha
    assert path.read_bytes() == letter_png
    assert not str(path).startswith(str(settings.MEDIA_ROOT))
    with item.original.open("rb") as stored:
        assert stored.read() == letter_png
    assert list(item.events.values_list("kind", flat=True)) == [MailEvent.Kind.RECEIVED]
    assert item.status == MailItem.Status.RECEIVED
    assert item.size == len(letter_png)


def test_same_scan_again_is_linked_to_the_first_and_not_stored_twice(settings, mailroom_agent, letter_png):
    first = services.mail_receive(uploaded_file=_upload(letter_png, "a.png"), user=mailroom_agent)
    again = services.mail_receive(uploaded_file=_upload(letter_png, "b.png"), user=mailroom_agent)

    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.item.pk == first.item.pk
    assert list(MailDuplicateUpload.objects.values_list("item_id", "original_name")) == [(first.item.pk, "b.png")]
    assert MailItem.objects.count() == 1
    stored = list((Path(settings.DSU_DOCUMENTS_ROOT) / "mail").rglob("*"))
    assert len([p for p in stored if p.is_file()]) == 1
    assert RegistrationCounter.objects.get().last_number == 1


def test_recognition_is_enqueued_after_commit_only(
    mailroom_agent, letter_png, recorded_tasks, django_capture_on_commit_callbacks
):
    def recognitions():
        return [r.args for r in recorded_tasks if r.task.name == "recognise_mail"]

    with django_capture_on_commit_callbacks(execute=True):
        item = services.mail_receive(uploaded_file=_upload(letter_png), user=mailroom_agent).item
        assert recognitions() == []  # nothing before the commit
    assert recognitions() == [[item.pk]]


def test_history_records_who_received_it(mailroom_agent, letter_png):
    item = services.mail_receive(uploaded_file=_upload(letter_png), user=mailroom_agent).item
    record = item.history.get()
    assert record.history_user == mailroom_agent


@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_registration_numbers_unique_and_gap_free_under_concurrent_uploads(recorded_tasks, mailroom_agent):
    """12 threads (their own database connections) upload at once, some sending the same scan twice."""
    scans = [letters.png_bytes(letters.make_letter(seed=100 + n), dpi=40) for n in range(18)]
    shared = scans[0]
    results, errors = [], []
    start = threading.Barrier(12)

    def upload(chunk):
        try:
            start.wait()
            for data in chunk:
                results.append(services.mail_receive(uploaded_file=_upload(data), user=mailroom_agent))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    chunks = [scans[n::12] for n in range(12)]
    chunks[5] = [*chunks[5], shared]  # the same bytes as the first upload, sent concurrently
    chunks[9] = [*chunks[9], shared]
    threads = [threading.Thread(target=upload, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    year = timezone.localdate().year
    numbers = sorted(MailItem.objects.filter(year=year).values_list("number", flat=True))
    assert numbers == list(range(1, 19))
    assert RegistrationCounter.objects.get(year=year).last_number == 18
    assert sum(r.duplicate for r in results) == 2
    assert MailDuplicateUpload.objects.filter(item__sha256=hashlib.sha256(shared).hexdigest()).count() == 2
