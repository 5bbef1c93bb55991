"""The filters of the lieux (API, portal list and map, embeddable page), read from a query string.

One parser for the three entry points, so that ``/lieux/?services=…`` and ``/api/v1/lieux?services=…`` mean the
same thing and the embeddable page takes the same URL a partner copies from the portal. Values are the standard's
labels or their slugs (``aide-aux-demarches-administratives``, ``gratuit``): a partner types the latter in a URL.
Unknown values are reported in French, never ignored silently and never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.text import slugify
from django.utils.translation import gettext as _

from grc.models import Commune, Epci

from .models import Frais, PublicAdresse, Service

MAX_RADIUS_KM = 100


def _lookup(choices) -> dict[str, str]:
    table = {}
    for value, _label in choices.choices:
        table[value] = value
        table[slugify(value)] = value
    return table


SERVICES = _lookup(Service)
FRAIS = _lookup(Frais)
PUBLICS = _lookup(PublicAdresse)


@dataclass
class LieuFilters:
    services: list[str] = field(default_factory=list)
    frais: list[str] = field(default_factory=list)
    publics: list[str] = field(default_factory=list)
    commune: Commune | None = None
    epci: Epci | None = None
    radius_km: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.services or self.frais or self.publics or self.commune or self.epci)

    def cache_key(self) -> str:
        parts = [
            ",".join(sorted(self.services)),
            ",".join(sorted(self.frais)),
            ",".join(sorted(self.publics)),
            self.commune.code if self.commune else "",
            self.epci.code if self.epci else "",
            str(self.radius_km or ""),
        ]
        return slugify("|".join(parts))[:200] or "all"


def _values(query, name: str) -> list[str]:
    """Repeated parameters and comma-separated lists both work (``?services=a&services=b`` or ``?services=a,b``)."""
    values = []
    for raw in query.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values


def _enum(query, name: str, table: dict[str, str], label: str, errors: list[str]) -> list[str]:
    chosen = []
    for value in _values(query, name):
        known = table.get(value) or table.get(slugify(value))
        if known is None:
            errors.append(_("%(label)s inconnu : « %(value)s ».") % {"label": label, "value": value[:80]})
        elif known not in chosen:
            chosen.append(known)
    return chosen


def parse_filters(query) -> LieuFilters:
    """Read the filters from a ``QueryDict``; invalid values go to ``errors`` (French), the others apply."""
    errors: list[str] = []
    filters = LieuFilters(
        services=_enum(query, "services", SERVICES, _("Service"), errors),
        frais=_enum(query, "frais", FRAIS, _("Frais"), errors),
        publics=_enum(query, "publics", PUBLICS, _("Public"), errors),
    )
    # ``territoire`` (the embeddable page's name) is an INSEE code (commune) or a SIREN (EPCI).
    territoire = (query.get("territoire") or "").strip()
    commune_code = (query.get("commune") or "").strip() or (territoire if len(territoire) == 5 else "")
    epci_code = (query.get("epci") or "").strip() or (territoire if len(territoire) == 9 else "")
    if territoire and len(territoire) not in (5, 9):
        errors.append(_("Territoire inconnu : donnez un code INSEE de commune ou un SIREN d'EPCI."))
    if commune_code:
        filters.commune = Commune.objects.filter(code=commune_code[:5]).first()
        if filters.commune is None:
            errors.append(_("Commune inconnue : « %(code)s ».") % {"code": commune_code[:20]})
    if epci_code:
        filters.epci = Epci.objects.filter(code=epci_code[:9]).first()
        if filters.epci is None:
            errors.append(_("EPCI inconnu : « %(code)s ».") % {"code": epci_code[:20]})
    radius = (query.get("rayon") or "").strip()
    if radius:
        try:
            filters.radius_km = float(radius.replace(",", "."))
        except ValueError:
            errors.append(_("Rayon illisible : donnez un nombre de kilomètres."))
        else:
            if not 0 < filters.radius_km <= MAX_RADIUS_KM:
                errors.append(_("Le rayon va de 1 à %(max)s km.") % {"max": MAX_RADIUS_KM})
                filters.radius_km = None
            elif filters.commune is None:
                errors.append(_("Un rayon se compte depuis une commune : choisissez-la."))
                filters.radius_km = None
    filters.errors = errors
    return filters
