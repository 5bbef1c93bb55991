"""The functional admin keeps the networks and the pilot flag in the Django admin, every change in history."""

import pytest
from django.urls import reverse

from grc.models import Epci, InclusionNetwork, Site

pytestmark = pytest.mark.django_db


def test_functional_admin_creates_a_network_and_marks_a_pilot(admin_client, cdas, other_cdas):
    epci = Epci.objects.get(code="200039022")
    response = admin_client.post(
        reverse("admin:grc_inclusionnetwork_add"),
        {"name": "Réseau numérique de Vitré", "code": "rlin-vitre", "epcis": [epci.pk], "communes": ["35115"]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    network = InclusionNetwork.objects.get(code="rlin-vitre")
    assert list(network.epcis.all()) == [epci]
    assert list(network.communes.values_list("code", flat=True)) == ["35115"]
    assert network.history.count() >= 1

    listing = admin_client.get(reverse("admin:grc_site_changelist") + "?is_numerique_pilot__exact=1")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert cdas.name in text and other_cdas.name not in text
    assert not Site.objects.get(pk=other_cdas.pk).is_numerique_pilot
