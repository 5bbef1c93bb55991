"""The observatory's blocks: each a protected table (the accessible alternative of its chart) and its chart data.

Built from ``observatoire.selectors`` (one grouped query per breakdown) and protected by ``observatoire.secrecy``:
a chart draws the protected figures (a secret cell is a gap), never the raw ones. The back-office pages, the
exports and the open data all use these blocks, so the rule is applied in one place.
"""

from __future__ import annotations

import datetime
import hashlib
import unicodedata
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accueil.models import HelpSession
from demandes.models import Request
from droits.engine import BENEFITS
from grc.models import Team
from rendezvous.models import Participant

from .maps import choropleth
from .models import AppointmentFact, HelpProcedureFact, HelpSessionFact, MailFact, RequestDelayFact, RequestFact
from .nonrecours import nonrecours_figures
from .perms import require_observatory
from .places import communes_in, place_figures
from .secrecy import Cell, percentile, protect_line, protect_map, protect_measure, protect_rate
from .selectors import Filters, facts, month_add, sums_by, territory_reference, totals_by

UNKNOWN = "?"


@dataclass
class Row:
    label: str
    cells: list  # Cell for counts, str for rates and durations ("" = not shown)
    key: str = ""


@dataclass
class Block:
    key: str
    title: str
    columns: list[str]  # the header of the label column, then one per value column
    rows: list[Row]
    total: Row | None = None
    note: str = ""
    chart: str = "bar"  # bar | line | none
    extra: dict = field(default_factory=dict)

    @property
    def rows_html(self) -> str:
        """The table's body, written here as the map's is (a template loop per cell of every block is slower)."""
        rows = ((row.label, _cells_html(row)) for row in self.rows)
        return format_html_join("", '<tr><th scope="row">{}</th>{}</tr>', rows)

    @property
    def total_html(self) -> str:
        return format_html('<tr><th scope="row">{}</th>{}</tr>', self.total.label, _cells_html(self.total))

    @property
    def chart_id(self) -> str:
        return f"donnees-{self.key}"

    def chart_data(self) -> dict:
        """Chart.js data of the charted column (the first value column unless ``extra["chart_column"]``): labels
        and protected values (None for a secret cell or a figure not shown)."""
        column = self.extra.get("chart_column", 1)
        values = []
        for row in self.rows:
            cell = row.cells[column - 1]
            values.append(cell.value if isinstance(cell, Cell) else _number(cell))
        return {
            "type": self.chart,
            "labels": [row.label for row in self.rows],
            "datasets": [{"label": str(self.columns[column]), "data": values}],
        }


def _cells_html(row: Row) -> str:
    # A count shows its protected label ("< 5", "secret"); a rate or a duration not shown is a dash.
    cells = ((cell.label if isinstance(cell, Cell) else (cell or "—"),) for cell in row.cells)
    return format_html_join("", '<td class="num">{}</td>', cells)


def _number(text) -> int | float | None:
    """A figure written for a reader ("12", "1,5", "" when not shown) as a chart value."""
    try:
        value = float(str(text).replace("\u202f", "").replace(",", "."))
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def _months(filters: Filters) -> list[datetime.date]:
    months, month = [], filters.start
    while month <= filters.end:
        months.append(month)
        month = month_add(month, 1)
    return months


def _month_label(month: datetime.date) -> str:
    return date_format(month, "F Y")


def _line(rows: list[tuple], keys: list) -> list[int]:
    counts = dict(rows)
    return [int(counts.get(key, 0)) for key in keys]


def _territory_lines(rows: list[tuple]) -> tuple[list[str], list[int], list[str], list[list[int]]]:
    """Communes (and the unknown one) with their counts, and the EPCI groups of commune indexes."""
    ref = territory_reference()
    counts = {code or UNKNOWN: n for code, n in rows}
    codes = sorted(ref["communes"], key=lambda code: ref["communes"][code]["name"]) + [UNKNOWN]
    values = [int(counts.get(code, 0)) for code in codes]
    epcis = sorted(ref["epci"], key=lambda code: ref["epci"][code])
    members: dict[str, list[int]] = {}
    for i, code in enumerate(codes):  # one pass: the communes by EPCI
        members.setdefault(ref["communes"].get(code, {}).get("epci"), []).append(i)
    return codes, values, epcis, [members.get(e, []) for e in epcis]


# The order of a breakdown's lines: a list's own order (the level's scale, the channels), else the labels'.
KEY_ORDER = {
    "channel": Request.Channel.values,
    "level": HelpSession.Level.values,
    "place_kind": HelpSession.PlaceKind.values,
    "outcome": HelpSession.Outcome.values,
}


def _text_key(value) -> tuple:
    text = str(value or "")
    return (unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold(), text)


def _ordered(field: str, counts: dict) -> list[tuple]:
    order = {key: i for i, key in enumerate(KEY_ORDER.get(field, ()))}
    keys = sorted(counts, key=lambda key: (order.get(key, len(order)), _text_key(key)))
    return [(key, counts[key]) for key in keys]


def measure_blocks(*, user, filters: Filters, source: str) -> dict:
    """The protected breakdowns of one countable measure (``requests`` or ``help``), the territory included.

    Two queries: every breakdown and the month in one grouped read (summed here per breakdown: at most a few
    thousand cells once grouped), the communes (for the map) in another. Returns ``{"lines": {name: (keys,
    cells)}, "total": Cell, "communes": [(code, Cell)], "epci": [(code, Cell)], "durations": {level: (sessions
    with a duration, minutes)}}``: the total is shown only if every breakdown and the map can be protected with
    it (one decision per measure)."""
    if source == "requests":
        model, programme, breakdowns, measures = RequestFact, True, ["procedure", "channel"], ("count",)
    else:
        model, programme = HelpSessionFact, False
        breakdowns, measures = ["level", "place_kind", "outcome"], ("count", "timed", "minutes")
    fields = [*breakdowns, "month"]
    qs = facts(user=user, model=model, filters=filters, dims=fields, programme=programme)
    sums: dict[str, dict] = {name: {} for name in fields}
    durations: dict[str, tuple[int, int]] = {}
    for row in sums_by(qs, *fields, measures=measures):
        values, n = row[: len(fields)], row[len(fields)]
        for name, value in zip(fields, values, strict=True):
            sums[name][value] = sums[name].get(value, 0) + n
        if source == "help":
            timed, minutes = durations.get(values[0], (0, 0))
            durations[values[0]] = (timed + row[-2], minutes + row[-1])
    raw = {name: _ordered(name, sums[name]) for name in breakdowns}
    months = _months(filters)
    lines = {name: [n for _key, n in rows] for name, rows in raw.items()}
    lines["month"] = _line(list(sums["month"].items()), months)
    keys = {name: [key for key, _n in rows] for name, rows in raw.items()} | {"month": months}
    communes_qs = facts(user=user, model=model, filters=filters, dims=["commune_id"], programme=programme)
    codes, commune_values, epcis, groups = _territory_lines(totals_by(communes_qs, "commune_id"))
    total = sum(commune_values)
    commune_cells, epci_cells, total_public = protect_map(commune_values, groups, total_public=total > 0)
    protected, total_cell = protect_measure(lines) if total_public else ({}, None)
    if total_cell is None or total_cell.is_secret:
        # The total cannot be shown: every breakdown and the map are protected without it.
        protected = {name: protect_line(values)[0] for name, values in lines.items()}
        commune_cells, epci_cells, _ok = protect_map(commune_values, groups, total_public=False)
        total_cell = Cell(0) if total == 0 else Cell(None, "primary" if total < 5 else "secondary")
    return {
        "lines": {name: (keys[name], protected[name]) for name in lines},
        "total": total_cell,
        "communes": list(zip(codes, commune_cells, strict=True)),
        "epci": list(zip(epcis, epci_cells, strict=True)),
        "durations": durations,
    }


def _rows(keys, cells, labels: dict | None = None) -> list[Row]:
    labels = labels or {}
    return [
        Row(label=str(labels.get(key, key or _("Non renseigné"))), cells=[cell], key=str(key))
        for key, cell in zip(keys, cells, strict=True)
    ]


def _month_labels(months) -> dict:
    return {month: _month_label(month) for month in months}


def request_blocks(*, user, filters: Filters) -> tuple[list[Block], dict]:
    """Requests filed by procedure, by channel, by month (one measure, one total), and the measure (for the map)."""
    m = measure_blocks(user=user, filters=filters, source="requests")
    total, count, lines = Row(_("Total"), [m["total"]]), _("Demandes déposées"), m["lines"]
    blocks = [
        Block(
            "demandes_demarche", _("Demandes par démarche"), [_("Démarche"), count], _rows(*lines["procedure"]), total
        ),
        Block(
            "demandes_canal",
            _("Demandes par canal"),
            [_("Canal"), count],
            _rows(*lines["channel"], dict(Request.Channel.choices)),
            total,
        ),
        Block(
            "demandes_mois",
            _("Demandes par mois"),
            [_("Mois"), count],
            _rows(*lines["month"], _month_labels(lines["month"][0])),
            total,
            chart="line",
        ),
    ]
    return blocks, m


def delay_block(*, user, filters: Filters) -> Block:
    """Processing time (filing → decision) by procedure: decisions, median and 90th percentile in days."""
    qs = facts(user=user, model=RequestDelayFact, filters=filters, dims=["procedure", "days"])
    histograms: dict[str, list[tuple[int, int]]] = {}
    for procedure, days, n in totals_by(qs, "procedure", "days"):
        histograms.setdefault(procedure, []).append((days, n))
    procedures = sorted(histograms)
    cells, total = protect_measure({"procedure": [sum(n for _d, n in histograms[p]) for p in procedures]})
    everything = [pair for p in procedures for pair in histograms[p]]

    def figures(histogram):
        median, p90 = percentile(histogram, 0.5), percentile(histogram, 0.9)
        return ["" if median is None else str(median), "" if p90 is None else str(p90)]

    rows = [
        Row(p, [cell, *figures(histograms[p])], key=p) for p, cell in zip(procedures, cells["procedure"], strict=True)
    ]
    return Block(
        "delais",
        _("Délais de traitement des demandes décidées"),
        [_("Démarche"), _("Décisions"), _("Médiane (jours)"), _("9ᵉ décile (jours)")],
        rows,
        Row(_("Total"), [total, *figures(everything)]),
        note=_("Délai entre le dépôt et la décision, par mois de décision ; non affiché sous 5 décisions."),
        extra={"chart_column": 2},
    )


def mail_block(*, user, filters: Filters) -> Block:
    """Letters received and routed, by programme of the team they went to."""
    qs = facts(user=user, model=MailFact, filters=filters, dims=["programme", "event"])
    rows = totals_by(qs, "programme", "event")
    programmes = sorted({programme for programme, _event, _n in rows})
    lines = {
        event: [sum(n for p, e, n in rows if p == programme and e == event) for programme in programmes]
        for event in (MailFact.Event.RECEIVED, MailFact.Event.ROUTED)
    }
    received, received_total = protect_measure({"x": lines[MailFact.Event.RECEIVED]})
    routed, routed_total = protect_measure({"x": lines[MailFact.Event.ROUTED]})
    labels = dict(Team.Kind.choices) | {"": _("Pas encore orienté")}
    return Block(
        "courrier",
        _("Courriers reçus et orientés"),
        [_("Programme"), _("Reçus"), _("Orientés")],
        [
            Row(str(labels.get(p, p)), [a, b], key=p)
            for p, a, b in zip(programmes, received["x"], routed["x"], strict=True)
        ],
        Row(_("Total"), [received_total, routed_total]),
        note=_("Reçus par mois de réception, orientés par mois d'orientation ; programme de l'équipe destinataire."),
    )


def appointment_block(*, user, filters: Filters) -> Block:
    """Appointment participations by programme with the no-show rate (absent ÷ (seen + absent))."""
    qs = facts(user=user, model=AppointmentFact, filters=filters, dims=["programme", "status"])
    rows = totals_by(qs, "programme", "status")
    programmes = sorted({programme for programme, _status, _n in rows})

    def count(programme, *statuses):
        return sum(n for p, s, n in rows if (programme is None or p == programme) and s in statuses)

    statuses = [s for s, _label in Participant.Status.choices]
    cells, total = protect_measure({"x": [count(p, *statuses) for p in programmes]})

    def rate(programme):
        absent, seen = count(programme, "absent"), count(programme, "vu")
        value = protect_rate(absent, absent + seen)
        return "" if value is None else f"{value} %".replace(".", ",")

    labels = dict(Team.Kind.choices)
    return Block(
        "rendez_vous",
        _("Rendez-vous et absences"),
        [_("Programme"), _("Participations"), _("Taux d'absence")],
        [Row(str(labels.get(p, p)), [c, rate(p)], key=p) for p, c in zip(programmes, cells["x"], strict=True)],
        Row(_("Total"), [total, rate(None)]),
        note=_("Taux d'absence : absents ÷ (vus + absents), hors rendez-vous annulés, excusés ou à venir."),
    )


def help_blocks(*, user, filters: Filters) -> tuple[list[Block], dict]:
    """Digital-help sessions by level (with mean duration), place, outcome and month; procedures concerned."""
    m = measure_blocks(user=user, filters=filters, source="help")
    lines, total, count = m["lines"], Row(_("Total"), [m["total"]]), _("Séances")
    note = _("Le filtre par programme ne s'applique pas aux aides numériques.") if filters.programme else ""
    blocks = [
        Block(
            "aides_niveau",
            _("Aides numériques par niveau"),
            [_("Niveau"), count, _("Durée moyenne (min)")],
            _with_durations(m["durations"], _rows(*lines["level"], dict(HelpSession.Level.choices))),
            total,
            note=note,
        ),
        Block(
            "aides_lieu",
            _("Aides numériques par cadre"),
            [_("Cadre"), count],
            _rows(*lines["place_kind"], dict(HelpSession.PlaceKind.choices)),
            total,
            note=note,
        ),
        Block(
            "aides_issue",
            _("Aides numériques par résultat"),
            [_("Résultat"), count],
            _rows(*lines["outcome"], dict(HelpSession.Outcome.choices)),
            total,
            note=note,
        ),
        Block(
            "aides_mois",
            _("Aides numériques par mois"),
            [_("Mois"), count],
            _rows(*lines["month"], _month_labels(lines["month"][0])),
            total,
            chart="line",
            note=note,
        ),
        _help_procedure_block(user, filters, note),
    ]
    return blocks, m


def _with_durations(durations: dict, rows: list[Row]) -> list[Row]:
    """The mean duration of each level's sessions whose duration was given, over 5 of them or more."""
    for row in rows:
        timed, minutes = durations.get(row.key, (0, 0))
        row.cells.append(str(round(minutes / timed)) if timed >= 5 else "")
    return rows


def _help_procedure_block(user, filters, note) -> Block:
    qs = facts(user=user, model=HelpProcedureFact, filters=filters, dims=["procedure"], programme=False)
    rows = totals_by(qs, "procedure")
    cells, total = protect_measure({"x": [n for _key, n in rows]})
    return Block(
        "aides_demarche",
        _("Démarches concernées par les aides numériques"),
        [_("Démarche"), _("Séances")],
        _rows([key for key, _n in rows], cells["x"], dict(HelpSession.Procedure.choices)),
        Row(_("Total des mentions"), [total]),
        note=" ".join(filter(None, [_("Une séance peut concerner plusieurs démarches."), note])),
    )


def all_blocks(*, user, filters: Filters) -> tuple[list[Block], dict]:
    """Every block of the observatory page, in order, and the two measures drawn on the map."""
    request, requests_measure = request_blocks(user=user, filters=filters)
    help_, help_measure = help_blocks(user=user, filters=filters)
    blocks = [
        *request,
        delay_block(user=user, filters=filters),
        mail_block(user=user, filters=filters),
        appointment_block(user=user, filters=filters),
        *help_,
        *nonrecours_blocks(user=user, filters=filters),
    ]
    return blocks, {"demandes": requests_measure, "aides": help_measure}


def nonrecours_blocks(*, user, filters: Filters) -> list[Block]:
    """Estimated non-take-up (the latest snapshot of the period) by benefit, by EPCI and by commune: one measure,
    protected like the others (one total, commune vs EPCI by ``protect_map``). An amount is shown only beside a
    count shown, and its total only when no count is hidden."""
    figures = nonrecours_figures(user=user, filters=filters)
    labels = {b.code: b.label for b in BENEFITS}
    benefits = [code for code, _n, _euros in figures["benefits"]]
    line = [n for _code, n, _euros in figures["benefits"]]
    codes, commune_values, epcis, groups = _territory_lines(
        [(code, n) for code, n in figures["communes"] if code is not None or n]
    )
    total = sum(commune_values)
    commune_cells, epci_cells, total_public = protect_map(commune_values, groups, total_public=total > 0)
    cells, total_cell = protect_measure({"x": line}) if total_public else ({}, None)
    if total_cell is None or total_cell.is_secret:
        cells = {"x": protect_line(line)[0]}
        commune_cells, epci_cells, _ok = protect_map(commune_values, groups, total_public=False)
        total_cell = Cell(0) if total == 0 else Cell(None, "primary" if total < 5 else "secondary")
    euros = [e for _code, _n, e in figures["benefits"]]
    shown = [_euros(e) if not cell.is_secret else "" for cell, e in zip(cells["x"], euros, strict=True)]
    all_shown = not any(cell.is_secret for cell in cells["x"]) and not total_cell.is_secret
    month = figures["month"]
    note = _(
        "État au %(month)s (dernière actualisation du mois) des personnes dont les droits sont estimés avec leur "
        "consentement : une prestation estimée au-dessus de zéro, ni perçue, ni demandée, ni accompagnée. Une "
        "personne compte une fois par prestation. Le filtre par programme ne s'applique pas."
    ) % {"month": _month_label(month) if month else "—"}
    people, ref = _("Personnes"), territory_reference()
    names = {code: ref["communes"].get(code, {}).get("name", _("Commune inconnue")) for code in codes}
    return [
        Block(
            "nonrecours_prestation",
            _("Non-recours estimé par prestation"),
            [_("Prestation"), people, _("Montant mensuel estimé (€)")],
            [
                Row(str(labels.get(code, code)), [cell, amount], key=code)
                for code, cell, amount in zip(benefits, cells["x"], shown, strict=True)
            ],
            Row(_("Total"), [total_cell, _euros(sum(euros)) if all_shown else ""]),
            note=note,
        ),
        Block(
            "nonrecours_epci",
            _("Non-recours estimé par EPCI"),
            [_("EPCI"), people],
            [
                Row(ref["epci"].get(code, code), [cell], key=code)
                for code, cell, group in zip(epcis, epci_cells, groups, strict=True)
                if any(commune_values[i] for i in group)
            ],
            Row(_("Total"), [total_cell]),
            note=note,
        ),
        Block(
            "nonrecours_commune",
            _("Non-recours estimé par commune"),
            [_("Commune"), people],
            [
                Row(names[code] if code != UNKNOWN else _("Non renseignée"), [cell], key=code)
                for code, cell, value in zip(codes, commune_cells, commune_values, strict=True)
                if value
            ],
            Row(_("Total"), [total_cell]),
            note=_("Communes où au moins une personne est comptée."),
            chart="none",
        ),
    ]


def _euros(value) -> str:
    return f"{int(value):,}".replace(",", "\u202f")


BLOCKS_CACHE_SECONDS = 24 * 3600


def cached_blocks(*, user, filters: Filters, refresh_id: int | None) -> tuple[list[Block], dict]:
    """``all_blocks``, cached per filters, language and refresh: the summary tables only change when a refresh
    finishes, and a new refresh id is a new key, so a cached page is never older than the tables. The
    permission is checked on every call, before the cache."""
    require_observatory(user)
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()[:32]
    key = f"observatoire:blocks:{refresh_id or 0}:{get_language()}:{digest}"
    data = cache.get(key)
    if data is None:
        data = all_blocks(user=user, filters=filters)
        cache.set(key, data, BLOCKS_CACHE_SECONDS)
    blocks, measures = data
    # The places follow the live map, not the refresh: cached apart (``observatoire.places``).
    return [*blocks, *place_blocks(user=user, filters=filters)], measures


def cached_map(*, user, filters: Filters, refresh_id: int | None, measures: dict, measure: str, level: str) -> dict:
    """The choropleth of ``measure`` by ``level`` (``observatoire.maps.choropleth``), cached like the blocks:
    drawing 332 communes costs more than reading the figures."""
    require_observatory(user)
    digest = hashlib.sha256(repr((filters, measure, level)).encode()).hexdigest()[:32]
    key = f"observatoire:map:{refresh_id or 0}:{get_language()}:{digest}"
    data = cache.get(key)
    if data is None:
        data = choropleth(measures[measure], level=level)
        cache.set(key, data, BLOCKS_CACHE_SECONDS)
    return data


def _km(value) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def _place_rows(figures) -> list[Row]:
    return [
        Row(f.name, [Cell(f.places), _km(f.per_10000), _km(f.mean_km), _km(f.max_km)], key=f.code)
        for f in sorted(figures, key=lambda f: f.name)
    ]


def place_blocks(*, user, filters: Filters) -> list[Block]:
    """Places of the map per 10,000 inhabitants and the distance to the nearest one, by EPCI and by commune of
    the territory filter (places are public establishments: no secrecy; see ``observatoire.places``)."""
    require_observatory(user)
    data, chosen, ref = place_figures(), communes_in(filters), territory_reference()
    communes = [f for code, f in data["communes"].items() if chosen is None or code in chosen]
    epcis = {ref["communes"].get(f.code, {}).get("epci") for f in communes}
    note = _(
        "État actuel de la carte des lieux de médiation numérique (les filtres de période et de programme ne "
        "s'appliquent pas). Distance à vol d'oiseau du centre de la commune au lieu publié le plus proche ; "
        "pour un EPCI, moyenne pondérée par la population de ses communes, puis la plus éloignée."
    )
    columns = [_("Lieux"), _("Pour 10 000 habitants"), _("Distance moyenne (km)"), _("Distance maximale (km)")]
    extra = {"chart_column": 2}
    return [
        Block(
            "lieux_epci",
            _("Lieux de médiation numérique par EPCI"),
            [_("EPCI"), *columns],
            _place_rows(f for code, f in data["epci"].items() if code in epcis),
            note=note,
            extra=extra,
        ),
        Block(
            "lieux_commune",
            _("Lieux de médiation numérique par commune"),
            [_("Commune"), _("Lieux"), _("Pour 10 000 habitants"), _("Distance au plus proche (km)")],
            # 332 rows for the whole Département: by commune once a territory is chosen (the page's cost).
            [Row(r.label, r.cells[:3], key=r.key) for r in _place_rows(communes)] if chosen is not None else [],
            note=note if chosen is not None else _("Choisissez un territoire pour le détail par commune."),
            chart="none",  # a bar per commune says nothing the table does not; the EPCI chart does
        ),
    ]
