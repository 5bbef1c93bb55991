"""Reading an import file: the gate (like every upload: French refusal, stable code, nothing kept), then each
line converted (v0) and validated with the official v1 models.

Accepted: a ``.json`` file holding a list of structures or of services, or an object
``{"structures": [...], "services": [...]}`` (the shape of the full export); a ``.csv`` file (comma or
semicolon, UTF-8) of structures or of services (a ``structure_id`` column makes it services), list fields
separated by commas inside their cell. Refused, in this order: an empty file, one over
``ANNUAIRE_IMPORT_MAX_BYTES`` (20 MB by default), another extension, bytes of a known binary type or NUL bytes,
text that is not UTF-8, JSON or CSV that cannot be read, more than ``ANNUAIRE_IMPORT_MAX_LINES`` lines (50,000).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field

import pydantic
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from grc import filetypes
from grc.uploads import UploadRefused, clean_name, human_size

from .. import dataformat, schema
from ..models import Service, Structure
from . import legacy

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_LINES = 50_000
# v1 list fields; v0's lists (types, frais, profils…) are split by ``legacy`` whatever the format.
CSV_LISTS = frozenset({*dataformat.SERVICE_LISTS, "reseaux_porteurs"})
KNOWN = {
    "structure": frozenset(dataformat.STRUCTURE_FIELDS) | legacy.V0_MARKERS | legacy.V0_DROPPED | {"thematiques"},
    "service": frozenset(dataformat.SERVICE_FIELDS)
    | legacy.V0_MARKERS
    | legacy.V0_DROPPED
    | {"types", "profils", "zone_diffusion_code", "contact_nom", "contact_prenom", "pre_requis", "justificatifs",
       "prise_rdv", "formulaire_en_ligne", *legacy.ORIENTATION_TO_MOBILISABLE},
}  # fmt: skip
MODELS = {"structure": schema.DiStructure, "service": schema.DiService}


@dataclass
class ReportLine:
    """One line of the report: where (kind and line number), what record, and what was wrong or noted."""

    kind: str
    line: int
    record_id: str
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "line": self.line,
            "id": self.record_id,
            "errors": self.errors,
            "warnings": self.warnings,
        }


@dataclass
class ReadResult:
    file_format: str
    schema_version: str
    items: dict[str, list[dict]]
    report: list[ReportLine]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "valid": sum(1 for line in self.report if line.valid),
            "invalid": sum(1 for line in self.report if not line.valid),
            "warnings": sum(1 for line in self.report if line.warnings),
        }


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _text(upload) -> tuple[str, str]:
    max_bytes = _setting("ANNUAIRE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    too_big = UploadRefused(
        _("Le fichier dépasse la taille maximale autorisée (%(max)s).") % {"max": human_size(max_bytes)}, "too_big"
    )
    if (getattr(upload, "size", None) or 0) > max_bytes:
        raise too_big
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if not data:
        raise UploadRefused(_("Le fichier est vide."), "empty")
    if len(data) > max_bytes:
        raise too_big
    bad_format = _("Ce format n'est pas accepté : déposez un fichier .json ou .csv au schéma data·inclusion.")
    extension = os.path.splitext(clean_name(upload, ""))[1].lower().lstrip(".")
    if extension not in ("json", "csv"):
        raise UploadRefused(bad_format, "bad_format")
    if filetypes.sniff(data[:16]) is not None or b"\x00" in data:
        raise UploadRefused(bad_format, "bad_format")
    try:
        return extension, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused(
            _("Le fichier n'est pas encodé en UTF-8 : enregistrez-le à nouveau en UTF-8."), "encoding"
        ) from None


def _json_rows(text: str) -> list[tuple[str, int, object]]:
    unreadable = UploadRefused(_("Le fichier JSON est illisible : vérifiez sa syntaxe."), "corrupt")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise unreadable from None
    if isinstance(document, dict) and ({"structures", "services"} & set(document)):
        groups = [("structure", document.get("structures") or []), ("service", document.get("services") or [])]
    elif isinstance(document, dict) and isinstance(document.get("items"), list):  # an API page
        groups = [(_kind_of(document["items"]), document["items"])]
    elif isinstance(document, list):
        groups = [(_kind_of(document), document)]
    else:
        raise unreadable
    if not all(isinstance(rows, list) for _kind, rows in groups):
        raise unreadable
    return [(kind, number, row) for kind, rows in groups for number, row in enumerate(rows, start=1)]


def _kind_of(rows: list) -> str:
    first = next((row for row in rows if isinstance(row, dict)), {})
    return "service" if "structure_id" in first else "structure"


def _csv_rows(text: str) -> list[tuple[str, int, object]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        fields = reader.fieldnames or []
        rows = list(reader)
    except csv.Error:
        raise UploadRefused(
            _("Le fichier CSV est illisible : vérifiez ses guillemets et séparateurs."), "corrupt"
        ) from None
    if not fields:
        raise UploadRefused(_("Le fichier CSV n'a pas de ligne d'en-tête."), "corrupt")
    kind = "service" if "structure_id" in fields else "structure"
    out = []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        if None in row:  # more cells than the header has columns
            out.append((kind, number, _("la ligne a plus de colonnes que l'en-tête")))
            continue
        values = {}
        for key, value in row.items():
            value = (value or "").strip()
            if key in CSV_LISTS:
                values[key] = [part.strip() for part in value.split(",") if part.strip()] or None
            else:
                values[key] = value or None
        out.append((kind, number, values))
    return out


def _validate(kind: str, number: int, row, version: list[str]) -> tuple[ReportLine, dict | None]:
    if not isinstance(row, dict):
        message = row if isinstance(row, str) else _("la ligne n'est pas un objet")
        return ReportLine(kind, number, "", errors={"__all__": message}), None
    line = ReportLine(kind, number, str(row.get("id") or ""))
    unknown = sorted(key for key in row if key not in KNOWN[kind])
    if unknown:
        line.warnings.append(_("champs inconnus ignorés : %(f)s") % {"f": ", ".join(map(str, unknown))})
    row = {key: value for key, value in row.items() if key in KNOWN[kind]}
    if legacy.is_v0(row):
        version.append("v0")
        row = (legacy.service_from_v0 if kind == "service" else legacy.structure_from_v0)(row, line.warnings)
    if kind == "service" and row.get("latitude") in ("", None):
        row.pop("latitude", None)
    try:
        item = MODELS[kind].model_validate(row)
    except pydantic.ValidationError as exc:
        line.errors = dataformat.di_errors(exc)
        return line, None
    item = item.model_dump(mode="json")
    for name, value in item.items():  # the schema's sets, in a stable order (previews and diffs compare them)
        if isinstance(value, list) and name != "zone_eligibilite":
            item[name] = sorted(value)
    line.errors = _too_long(kind, item)
    return line, (None if line.errors else item)


def _too_long(kind: str, item: dict) -> dict[str, str]:
    """What the schema leaves unbounded but the annuaire stores in a bounded column (a 300-character phone)."""
    model = Service if kind == "service" else Structure
    errors = {}
    for name, value in item.items():
        column = "di_id" if name == "id" else ("commune_nom" if name == "commune" else name)
        limit = getattr(_field(model, column), "max_length", None)
        if isinstance(value, str) and limit and len(value) > limit:
            errors[name] = _("texte trop long (au plus %(max)s caractères)") % {"max": limit}
    return errors


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def read_import(upload) -> ReadResult:
    """Check and read an import file; ``UploadRefused`` (French) when the file as a whole is refused, else the
    valid items by kind and the report of every line (errors reject the line, warnings do not)."""
    file_format, text = _text(upload)
    rows = _json_rows(text) if file_format == "json" else _csv_rows(text)
    max_lines = _setting("ANNUAIRE_IMPORT_MAX_LINES", DEFAULT_MAX_LINES)
    if len(rows) > max_lines:
        raise UploadRefused(
            _("Le fichier contient plus de %(max)s lignes : découpez-le.") % {"max": max_lines}, "too_many_lines"
        )
    items: dict[str, list[dict]] = {"structure": [], "service": []}
    report = []
    version: list[str] = []
    seen: set[tuple[str, str]] = set()
    for kind, number, row in rows:
        line, item = _validate(kind, number, row, version)
        if item is not None and (kind, item["id"]) in seen:
            line.errors["id"] = _("identifiant en double dans le fichier")
            item = None
        if item is not None:
            seen.add((kind, item["id"]))
            items[kind].append({**item, "_line": number})
        report.append(line)
    return ReadResult(file_format, "v0" if version else "v1", items, report)
