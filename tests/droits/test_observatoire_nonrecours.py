"""Estimated non-take-up in the observatory: the refresh counts ``droits.NonRecours`` by benefit and commune (no
citizen id kept, idempotent), and the back-office page and exports show it under the secrecy rule."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from droits.models import NonRecours
from grc.models import Membership
from observatoire.models import NonRecoursFact
from observatoire.refresh import refresh
from tests.dossier_unique.factories import SocialFileFactory
from tests.factories import MembershipFactory, verify_otp
from tests.observatoire.conftest import territory  # noqa: F401  (autouse: the three communes and their EPCI)
from tests.observatoire.factories import RENNES, SAINT_MALO, VITRE, citizen_in
from tests.observatoire.html import block_rows, block_section

pytestmark = pytest.mark.django_db

URL = reverse("backoffice:observatoire")

# commune -> [(benefit, people, amount each)]
PEOPLE = {
    RENNES: [("rsa", 7, "607.75"), ("css", 3, "0.01")],
    SAINT_MALO: [("prime_activite", 6, "180.40"), ("rsa", 2, "300")],
    VITRE: [("rsa", 5, "500")],
    None: [("aah", 1, "1000")],
}


@pytest.fixture
def manager_client(client):
    return verify_otp(client, MembershipFactory(role=Membership.Role.TEAM_MANAGER).user)


@pytest.fixture
def nonrecours():
    for commune, rows in PEOPLE.items():
        for benefit, people, amount in rows:
            for _ in range(people):
                citizen = citizen_in(commune)
                NonRecours.objects.create(
                    citizen=citizen,
                    file=SocialFileFactory(citizen=citizen),
                    benefit=benefit,
                    monthly_amount=Decimal(amount),
                    commune_id=commune,
                    period="2026-12",
                )
    # One person with two benefits counts once in each.
    first = NonRecours.objects.filter(commune_id=RENNES, benefit="rsa").first()
    NonRecours.objects.create(
        citizen=first.citizen,
        file=first.file,
        benefit="aides_logement",
        monthly_amount=Decimal("210"),
        commune_id=RENNES,
        period="2026-12",
    )


def _facts() -> set[tuple]:
    return set(
        NonRecoursFact.objects.values_list("month", "commune_id", "epci_id", "site_id", "benefit", "count", "amount")
    )


def test_refresh_counts_people_by_benefit_and_commune_and_keeps_no_citizen(nonrecours):
    refresh()
    by_key = {(commune, benefit): (n, euros) for _m, commune, _e, _s, benefit, n, euros in _facts()}
    assert by_key[(RENNES, "rsa")] == (7, 4254)  # 7 × 607.75 = 4,254.25
    assert by_key[(RENNES, "css")] == (3, 0)
    assert by_key[(RENNES, "aides_logement")] == (1, 210)
    assert by_key[(SAINT_MALO, "prime_activite")] == (6, 1082)
    assert by_key[(VITRE, "rsa")] == (5, 2500)
    assert by_key[(None, "aah")] == (1, 1000)
    fact = NonRecoursFact.objects.filter(commune_id=VITRE).get()
    assert fact.epci_id == "200039022" and fact.month.day == 1
    columns = {field.column for field in NonRecoursFact._meta.concrete_fields}
    assert columns == {"id", "month", "commune_id", "epci_id", "site_id", "benefit", "count", "amount"}


def test_refresh_is_idempotent_and_follows_the_batch(nonrecours):
    refresh()
    first = _facts()
    refresh()
    assert _facts() == first
    NonRecours.objects.filter(commune_id=VITRE).delete()  # the next night's batch found they now receive it
    refresh()
    assert {row[1] for row in _facts()} == {RENNES, SAINT_MALO, None}


def _no_small_figure(cells: dict[str, list[str]]) -> bool:
    return not any(re.fullmatch(r"[1-4]", value) for values in cells.values() for value in values)


def test_page_hides_small_cells_and_what_would_give_them(manager_client, nonrecours):
    refresh()
    html = manager_client.get(URL).content.decode()
    benefits = block_rows(block_section(html, "nonrecours_prestation"))
    assert benefits["Revenu de solidarité active (RSA)"] == ["14", "7\u202f354"]
    # Three primary cells (AAH 1, aide au logement 1, CSS 3): "< 5", their amounts not shown; the total (25)
    # would bound them too tightly, so the smallest other cell (prime d'activité, 6) is hidden as well.
    assert benefits["Complémentaire santé solidaire (CSS)"] == ["&lt; 5", "—"]
    assert benefits["Allocation aux adultes handicapés (AAH)"] == ["&lt; 5", "—"]
    assert benefits["Prime d&#x27;activité"] == ["secret", "—"]
    assert benefits["Total"] == ["25", "—"]  # the total amount would give the hidden ones
    communes = block_rows(block_section(html, "nonrecours_commune"))
    assert communes["Non renseignée"] == ["&lt; 5"] and communes["Rennes"] == ["11"]
    # One primary cell in the line: at least one more commune is hidden (secondary), else the total gives it.
    assert sum(values == ["secret"] for values in communes.values()) >= 1
    epci = block_rows(block_section(html, "nonrecours_epci"))
    assert _no_small_figure(benefits) and _no_small_figure(communes) and _no_small_figure(epci)
    assert "État au" in html


def test_page_filters_by_territory_and_export_has_the_block(manager_client, nonrecours):
    refresh()
    html = manager_client.get(URL, {"territoire": f"commune:{VITRE}"}).content.decode()
    assert block_rows(block_section(html, "nonrecours_prestation")) == {
        "Revenu de solidarité active (RSA)": ["5", "2\u202f500"],
        "Total": ["5", "2\u202f500"],
    }
    response = manager_client.get(
        reverse("backoffice:observatoire_export", args=["csv"]), {"blocs": "nonrecours_prestation"}
    )
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert any("Non-recours estimé par prestation" in cell for row in rows for cell in row)
    assert not any("Demandes par canal" in cell for row in rows for cell in row)


def test_no_nonrecours_yet_says_so(manager_client):
    refresh()
    html = manager_client.get(URL).content.decode()
    assert "Aucune donnée pour ces filtres." in block_section(html, "nonrecours_prestation")
