"""The location of L49 declarations and arrêtés de voirie: a map picker over the coordinate inputs, and the
server's check that the point is in Ille-et-Vilaine and in the commune typed (portal/geo.py)."""

import pytest

from portal.demo.procedures import PLANNED

from .conftest import make_procedure

pytestmark = pytest.mark.django_db

FIELDS = [
    ("Commune", "singleline", True, "", "", 10),
    ("Adresse ou points de repère", "singleline", True, "", "", 10),
    ("Latitude du point de travaux", "number", False, "", "", 10),
    ("Longitude du point de travaux", "number", False, "", "", 10),
]
RENNES = ("48.1113", "-1.6800")
NANTES = ("47.2184", "-1.5536")


def _answers(commune, point, **extra):
    return {
        "commune": commune,
        "adresse_ou_points_de_repere": "RD 137, PR 12+300",
        "latitude_du_point_de_travaux": point[0],
        "longitude_du_point_de_travaux": point[1],
        "action": "review",
        **extra,
    }


def test_the_point_is_checked_against_the_departement_and_the_commune(filer_client, catalogue, destination_team):
    page = make_procedure(catalogue, slug="l49", title="Déclaration L49", fields=FIELDS, team=destination_team)
    html = filer_client.get(page.url).content.decode()
    assert 'data-map-picker data-lat-input="id_latitude_du_point_de_travaux"' in html
    assert 'data-commune-input="id_commune"' in html and "vendor/leaflet/leaflet.js" in html
    assert "js/map_picker.js" in html

    for answers, error in (
        (_answers("Rennes", NANTES), "Le point choisi est en dehors de l&#x27;Ille-et-Vilaine."),
        (_answers("Paris", RENNES), "« Paris » n&#x27;est pas une commune d&#x27;Ille-et-Vilaine."),
        (_answers("Vitré", RENNES), "n&#x27;est pas sur la commune de Vitré (il est à Rennes)."),
        (_answers("Rennes", (RENNES[0], "")), "Indiquez la latitude et la longitude du point."),
        (_answers("Rennes", ("quarante-huit", RENNES[1])), "Saisissez un nombre."),
    ):
        response = filer_client.post(page.url, answers)
        assert response.status_code == 200 and error in response.content.decode(), answers
        assert "RD 137, PR 12+300" in response.content.decode()  # what was typed is kept

    # Typed without the map (keyboard, no JavaScript): accents and case do not matter.
    ok = filer_client.post(page.url, _answers("RENNES", RENNES))
    assert ok.status_code == 302 and ok["Location"].endswith("/verification/")
    # No point at all is allowed (the commune and the road markers say where).
    assert filer_client.post(page.url, _answers("Vitré", ("", ""))).status_code == 302


def test_the_demo_l49_and_voirie_forms_carry_the_map_picker():
    labels = {p.slug: [f.label for f in p.fields] for p in PLANNED}
    for slug in ("declaration-travaux", "arrete-circulation"):
        assert slug in labels, sorted(labels)
        assert any(label.startswith("Latitude") for label in labels[slug])
        assert any(label.startswith("Longitude") for label in labels[slug]) and "Commune" in labels[slug]
