"""The access-right archive: every kind of record about the person, nothing about anyone else."""

import io
import json
import zipfile

import pypdfium2
import pytest
from django.core.exceptions import PermissionDenied

from grc.audit.models import AccessLog
from privacy.archive import access_archive_compile
from privacy.models import GdprRequest

MUST_APPEAR = [
    "4 rue des Lilas",  # address
    "claire.lemoine@example.org",  # contact point and portal account
    "NOTE-DOSSIER-VISIBLE",  # file note
    "NOTE-EQUIPE-VISIBLE",  # team note
    "REPONSE-FORMULAIRE-DEMANDE",  # request answers
    "MESSAGE-DU-SERVICE",  # request message
    "justificatif.pdf",  # request attachment
    "DECISION-MOTIF",
    "2026-C-000001",  # mail registration number
    "COURRIER-OCR-TEXTE",  # OCR text
    "attestation.pdf",  # document
    "Conjoint",  # the other household member's role
    "SECRETCONJOINT Bertrand",  # and name: they lived together (the third-party rule, docs/data-protection.md)
    "Clare",  # the merged duplicate (same person)
]
MUST_NOT_APPEAR = [
    "NOTE-PRIVEE-SECRETE",  # private note
    "NOTE-TIERS-RETENUE",  # flagged as third-party information
    "COMMENTAIRE-INTERNE",  # internal step comment
    "1979-03-02",  # nothing else of the spouse's: birth date, address
    "99 avenue du Conjoint",
    "12 rue de l'Homonyme",  # homonym: same name, another person
    "NOTE-DE-L-HOMONYME",
    "HOMONYME-ACCES",
]


def _open(archive):
    with archive.content.open("rb") as handle:
        bundle = zipfile.ZipFile(io.BytesIO(handle.read()))
    data = json.loads(bundle.read("archive.json"))
    pdf = pypdfium2.PdfDocument(bundle.read("archive.pdf"))
    text = "\n".join(page.get_textpage().get_text_range() for page in pdf)
    return bundle, data, text


def test_archive_holds_every_kind_of_record_and_nothing_about_anyone_else(rich, dpo):
    gdpr_request = GdprRequest.objects.create(
        reference="RGPD-2026-9999",
        kind="access",
        requester_identity="Claire Lemoine",
        received_on="2026-11-01",
        deadline="2026-12-01",
        channel="mail",
        citizen=rich["citizen"],
    )
    archive = access_archive_compile(citizen=rich["citizen"], actor=dpo, gdpr_request=gdpr_request)
    bundle, data, pdf_text = _open(archive)
    raw_json = json.dumps(data, ensure_ascii=False)
    flat_pdf = " ".join(pdf_text.split())
    for marker in MUST_APPEAR:
        assert marker in raw_json, marker
    for marker in MUST_APPEAR:
        assert marker in flat_pdf, marker
    assert "Ce qui n" in flat_pdf and "pas communiqu" in flat_pdf
    for marker in MUST_NOT_APPEAR:
        assert marker not in raw_json, marker
        assert marker not in flat_pdf, marker

    # Files: the document, the request attachment and the scan are in the ZIP with their bytes.
    names = bundle.namelist()
    document_name = f"documents/{rich['document'].pk}.pdf"
    assert document_name in names
    with rich["document"].content.open("rb") as original:
        assert bundle.read(document_name) == original.read()
    assert any(n.startswith(f"demandes/{rich['request'].pk}/") for n in names)
    assert "courriers/2026-C-000001.pdf" in names

    # What was withheld is said, with counts.
    withheld = data["ce_qui_n_est_pas_communique"]["nombres"]
    assert withheld == {
        "notes_privees": 1,
        "notes_avec_tiers": 1,
        "commentaires_internes": 1,
    }
    # Accesses: the team and role of the reader, not their name; the merged duplicate's accesses too.
    accesses = data["acces_a_vos_donnees"]
    worker = rich["worker"]
    assert {a["finalite"] for a in accesses} >= {"suivi", "doublon"}
    assert all(worker.last_name not in a["par"] for a in accesses)
    assert any("Travailleur social — PMI — CDAS Vitré" == a["par"] for a in accesses)
    assert worker.last_name not in raw_json

    # Logged, stored privately, linked to the request.
    assert AccessLog.objects.filter(
        action=AccessLog.Action.GDPR_ACCESS_ARCHIVE, citizen_id=rich["citizen"].pk, object_id=str(archive.pk)
    ).exists()
    gdpr_request.refresh_from_db()
    assert gdpr_request.archive == archive
    assert archive.summary["notes"] == 2 and archive.summary["documents"] == 1


def test_staff_names_only_when_the_dpo_decides(rich, dpo):
    archive = access_archive_compile(citizen=rich["citizen"], actor=dpo, include_staff_names=True)
    _, data, _ = _open(archive)
    assert any(rich["worker"].last_name in a["par"] for a in data["acces_a_vos_donnees"])


def test_only_the_dpo_compiles_an_archive(rich):
    with pytest.raises(PermissionDenied):
        access_archive_compile(citizen=rich["citizen"], actor=rich["worker"])
