"""The full download of the annuaire as data·inclusion v1: JSON (one list per kind) and CSV (one file per kind,
the schema's columns, list fields joined by commas), Licence Ouverte 2.0.

Items are built by ``annuaire.dataformat`` (the API's shape too); the tests validate every exported item with the
official models, and ``bench/annuaire.py`` measures the whole export.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from . import dataformat
from .models import Service, Structure

LICENCE = "Licence Ouverte 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
KINDS = ("structures", "services")
CHUNK = 2000


def export_items(kind: str) -> Iterator[dict]:
    """Every record of ``kind`` ("structures" or "services") as a data·inclusion v1 dictionary, by id."""
    if kind == "structures":
        structures = Structure.objects.select_related("commune").defer("commune__boundary").order_by("di_id")
        for obj in structures.iterator(chunk_size=CHUNK):
            yield dataformat.structure_to_di(obj)
        return
    structure_ids = dict(Structure.objects.values_list("pk", "di_id"))
    queryset = Service.objects.select_related("commune").defer("commune__boundary").order_by("di_id")
    for obj in queryset.iterator(chunk_size=CHUNK):
        yield dataformat.service_to_di(obj, structure_di_id=structure_ids[obj.structure_id])


def export_json(kind: str) -> Iterator[str]:
    """The JSON list of ``kind``, streamed in pieces."""
    yield "["
    for index, item in enumerate(export_items(kind)):
        yield ("," if index else "") + json.dumps(item, ensure_ascii=False)
    yield "]"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(part) for part in value)
    return str(value)


def export_csv(kind: str) -> Iterator[str]:
    """The CSV of ``kind`` (UTF-8, comma, header = the schema's field names), streamed in pieces."""
    columns = dataformat.STRUCTURE_FIELDS if kind == "structures" else dataformat.SERVICE_FIELDS
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for index, item in enumerate(export_items(kind), start=1):
        writer.writerow([_cell(item[name]) for name in columns])
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
