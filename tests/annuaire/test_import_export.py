"""Import (v1 JSON/CSV, v0 as DORA emits it) with its line-by-line report and preview, and the full export,
every item of which the official data·inclusion models accept."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from annuaire import export, schema
from annuaire.imports import applying
from annuaire.imports.applying import import_apply, import_prepare
from annuaire.imports.reading import read_import
from annuaire.models import ImportRun, Service, Structure
from grc.uploads import UploadRefused
from tests import hostile_files

from .factories import ServiceFactory, StructureFactory, info_sociale_member

pytestmark = pytest.mark.django_db

STRUCTURE = {
    "source": "cd35",
    "id": "cd35--ccas-fougeres",
    "nom": "CCAS de Fougères",
    "date_maj": "2025-11-02",
    "siret": "21350115300016",
    "code_insee": "35115",
    "commune": "Fougères",
    "code_postal": "35300",
    "adresse": "2 rue Porte Saint-Léonard",
    "latitude": 48.3524,
    "longitude": -1.1988,
}
SERVICE = {
    "source": "cd35",
    "structure_id": "cd35--ccas-fougeres",
    "id": "cd35--ccas-fougeres-aide-alimentaire",
    "nom": "Aide alimentaire",
    "description": "Colis alimentaires et bons d'achat pour les familles en difficulté.",
    "date_maj": "2025-11-02",
    "type": "aide-materielle",
    "thematiques": ["equipement-et-alimentation--alimentation"],
    "frais": "gratuit",
    "publics": ["familles"],
}


def _file(name: str, payload) -> SimpleUploadedFile:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_bad_lines_are_reported_in_french_and_valid_ones_kept():
    bad_enum = {**SERVICE, "id": "cd35--x1", "thematiques": ["sante--inconnue"], "frais": "offert"}
    missing = {key: value for key, value in SERVICE.items() if key != "description"} | {"id": "cd35--x2"}
    unknown = {**SERVICE, "id": "cd35--x3", "couleur_preferee": "bleu"}
    result = read_import(_file("annuaire.json", {"structures": [STRUCTURE], "services": [SERVICE, bad_enum, missing,
                                                                                         unknown]}))  # fmt: skip
    lines = {(line.kind, line.line): line for line in result.report}
    assert [item["id"] for item in result.items["service"]] == [SERVICE["id"], "cd35--x3"]
    assert "valeur inconnue « sante--inconnue »" in lines[("service", 2)].errors["thematiques"]
    assert "frais" in lines[("service", 2)].errors
    assert lines[("service", 3)].errors == {"description": "champ obligatoire manquant"}
    assert lines[("service", 4)].valid and "couleur_preferee" in lines[("service", 4)].warnings[0]
    assert result.counts == {"valid": 3, "invalid": 2, "warnings": 1}


def test_preview_then_apply_never_overwrites_silently():
    existing = StructureFactory(di_id=STRUCTURE["id"], nom="CCAS de Fougeres (ancien nom)", siret=STRUCTURE["siret"])
    moderator = info_sociale_member()
    result = read_import(_file("annuaire.json", {"structures": [STRUCTURE], "services": [SERVICE]}))
    run = import_prepare(user=moderator, result=result, filename="annuaire.json")
    assert run.preview["structure"]["changed"][STRUCTURE["id"]]["nom"] == [
        "CCAS de Fougeres (ancien nom)",
        "CCAS de Fougères",
    ]
    assert run.preview["service"]["created"] == [SERVICE["id"]]
    existing.refresh_from_db()
    assert existing.nom == "CCAS de Fougeres (ancien nom)"  # nothing written by the preview

    Structure.objects.filter(pk=existing.pk).update(telephone="0299999999")  # someone edits in between
    run = import_apply(user=moderator, run=run)
    existing.refresh_from_db()
    assert existing.nom == "CCAS de Fougeres (ancien nom)" and existing.telephone == "0299999999"
    assert any(STRUCTURE["id"] in line for line in run.summary["skipped"])
    service = Service.objects.get(di_id=SERVICE["id"])
    assert service.structure == existing and service.commune_id is None or service.structure == existing
    assert service.history.first().history_user == moderator
    assert run.status == ImportRun.Status.APPLIED


def test_csv_and_v0_lines_are_read():
    csv_text = (
        "id;source;structure_id;nom;description;date_maj;thematiques;publics\n"
        "cd35--s1;cd35;cd35--ccas-fougeres;Épicerie solidaire;Produits à petit prix pour tous.;2025-10-01;"
        '"equipement-et-alimentation--alimentation,famille--garde-denfants";tous-publics\n'
    )
    result = read_import(_file("services.csv", csv_text.encode()))
    assert result.file_format == "csv" and result.items["service"][0]["thematiques"] == [
        "equipement-et-alimentation--alimentation",
        "famille--garde-denfants",
    ]
    dora_v0 = {
        "id": "dora--abc",
        "source": "dora",
        "structure_id": "dora--s",
        "nom": "Accompagnement numérique",
        "description": "Aide à l'utilisation des services en ligne.",
        "date_maj": "2024-05-03T10:00:00+00:00",
        "types": ["accompagnement"],
        "frais": ["gratuit-sous-conditions"],
        "profils": ["seniors-65", "inconnu"],
        "thematiques": ["numerique--acceder-a-des-services-en-ligne", "numerique--ancienne-thematique"],
        "zone_diffusion_type": "departement",
        "zone_diffusion_code": "35",
        "contact_nom": "Martin",
        "contact_prenom": "Lise",
    }
    result = read_import(_file("dora.json", [dora_v0]))
    assert result.schema_version == "v0"
    item = result.items["service"][0]
    assert (item["type"], item["frais"], item["publics"]) == ("accompagnement", "gratuit", ["seniors"])
    assert item["zone_eligibilite"] == ["35"] and item["contact_nom_prenom"] == "Lise Martin"
    warnings = " ".join(result.report[0].warnings)
    assert "inconnu" in warnings and "numerique--ancienne-thematique" in warnings


def test_hostile_files_are_refused_in_french(settings):
    settings.ANNUAIRE_IMPORT_MAX_BYTES = hostile_files.TEST_MAX_BYTES
    for hostile in hostile_files.HOSTILE:
        # As sent (a .pdf, .docx… is not an import) and renamed .json (the content itself is refused).
        for name in (hostile.filename, "annuaire.json"):
            with pytest.raises(UploadRefused) as refused:
                read_import(_file(name, hostile.data))
            message = refused.value.messages[0]
            assert message[0].isupper() and message.endswith("."), (hostile.key, name, message)
    assert not ImportRun.objects.exists()


def test_broken_text_files_are_refused():
    cases = {
        ("vide.json", b""): "vide",
        ("latin1.csv", "nom;é".encode("latin-1")): "UTF-8",
        ("casse.json", b'{"structures": [}'): "illisible",
        ("nul.json", b'[{"id": "a\x00"}]'): "format",
        ("annuaire.xml", b"<structures/>"): "format",
    }
    for (name, data), expected in cases.items():
        with pytest.raises(UploadRefused) as refused:
            read_import(_file(name, data))
        assert expected in refused.value.messages[0], name


def test_import_command_previews_then_applies(tmp_path):
    info_sociale_member()
    path = tmp_path / "annuaire.json"
    path.write_text(json.dumps({"structures": [STRUCTURE], "services": [SERVICE]}))
    out = io.StringIO()
    call_command("annuaire_import", str(path), "--no-progress", stdout=out)
    assert "1 créée" in out.getvalue() and not Structure.objects.filter(di_id=STRUCTURE["id"]).exists()
    call_command("annuaire_import", str(path), "--apply", "--no-progress", stdout=out)
    assert Service.objects.filter(di_id=SERVICE["id"], structure__di_id=STRUCTURE["id"]).exists()
    assert (
        "Import appliqué : structures 1 créée(s), 0 mise(s) à jour ; services 1 créé(s), 0 mis à jour ; "
        "0 ligne(s) refusée(s) à la vérification, 0 non écrite(s) à l'application." in out.getvalue()
    )


def test_apply_writes_by_batches_and_reports_its_progress(monkeypatch):
    monkeypatch.setattr(applying, "BATCH", 1)
    moderator = info_sociale_member()
    result = read_import(_file("annuaire.json", {"structures": [STRUCTURE], "services": [SERVICE]}))
    run = import_prepare(user=moderator, result=result, filename="annuaire.json")
    seen = []

    def progress(done, total):
        # The run's progress is written with each batch (its own transaction), before the callback.
        seen.append((done, total, ImportRun.objects.get(pk=run.pk).progress_done))

    run = import_apply(user=moderator, run=run, progress=progress)
    assert seen == [(1, 2, 1), (2, 2, 2)]
    assert run.status == ImportRun.Status.APPLIED and (run.progress_done, run.progress_total) == (2, 2)
    assert run.summary["service"] == {"created": 1, "changed": 0}
    with pytest.raises(ValidationError):  # applied once, never twice
        import_apply(user=moderator, run=run)


def test_every_exported_item_is_valid_for_the_official_models():
    structure = StructureFactory(reseaux_porteurs=["caf", "ccas-cias"], site_web="https://ccas.example.org/")
    ServiceFactory(structure=structure, zone_eligibilite=["35", "243500139"], modes_mobilisation=["telephoner"])
    ServiceFactory(structure=structure, publics=["femmes", "jeunes"], volume_horaire_hebdomadaire=2.5)
    structures = json.loads("".join(export.export_json("structures")))
    services = json.loads("".join(export.export_json("services")))
    assert len(structures) == 1 and len(services) == 2
    for item in structures:
        schema.DiStructure.model_validate(item)
    for item in services:
        schema.DiService.model_validate(item)
    csv_text = "".join(export.export_csv("services"))
    header, *rows = csv_text.strip().splitlines()
    assert header.split(",")[:3] == ["source", "structure_id", "id"] and len(rows) == 2
    again = read_import(_file("services.csv", csv_text.encode()))  # the export reads back as a valid import
    assert again.counts["invalid"] == 0 and len(again.items["service"]) == 2
