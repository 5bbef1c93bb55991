"""Staleness (12 months without update: flagged, editors reminded once a month) and the demo seeder."""

import datetime
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from annuaire import export, schema, services
from annuaire.models import Service, Structure
from annuaire.staleness import is_stale, stale_reminders_send
from demo.records import Counts
from demo.seeders import annuaire as demo_annuaire
from tests.factories import UserFactory

from .factories import ServiceFactory, StructureFactory, info_sociale_member

pytestmark = pytest.mark.django_db


def test_stale_records_flagged_and_editors_reminded_monthly(django_capture_on_commit_callbacks):
    old = timezone.now() - datetime.timedelta(days=400)
    stale = StructureFactory(nom="Maison des familles", updated_at=old)
    ServiceFactory(structure=stale, nom="Halte-garderie", updated_at=old)
    fresh = StructureFactory(nom="Structure à jour")
    representative = UserFactory(citizen_account=True, email="directrice@maison-familles.example.org")
    claim = services.structure_claim(user=representative, structure=stale, siret=stale.siret)
    services.representative_validate(user=info_sociale_member(), representative=claim)
    assert is_stale(stale) and not is_stale(fresh)

    with django_capture_on_commit_callbacks(execute=True):
        summary = stale_reminders_send()
    assert summary == {"records": 2, "emails": 1}
    assert [message.to for message in mail.outbox] == [["directrice@maison-familles.example.org"]]
    assert "Maison des familles" in mail.outbox[0].body and "Halte-garderie" in mail.outbox[0].body
    stale.refresh_from_db()
    assert stale.stale_reminded_at is not None and stale.history.count() == 1  # a reminder is not a change

    with django_capture_on_commit_callbacks(execute=True):
        assert stale_reminders_send()["records"] == 0  # not again within the month
    later = timezone.now() + datetime.timedelta(days=31)
    with django_capture_on_commit_callbacks(execute=True):
        assert stale_reminders_send(now=later)["emails"] == 1
    change = services.change_propose(user=representative, target=stale, data={"telephone": "0299887766"})
    services.change_publish(user=info_sociale_member(), change=change)
    stale.refresh_from_db()
    assert not is_stale(stale) and stale.stale_reminded_at is None


def test_demo_seeds_plausible_valid_structures_once():
    # 500 here to keep the suite quick; bench/annuaire.py seeds and measures the real 3,500.
    demo_annuaire.seed(actor=None, counts=Counts(), directory_size=500)
    assert Structure.objects.count() == 500
    services_count = Service.objects.count()
    assert 3.7 <= services_count / 500 <= 4.5
    assert Structure.objects.values("commune").distinct().count() == 332  # every commune of the Département
    assert Structure.objects.filter(commune_id="35238").count() > 10  # Rennes has the most
    stale = Structure.objects.filter(updated_at__lt=timezone.now() - datetime.timedelta(days=365)).count()
    assert 0.05 < stale / 500 < 0.3
    for item in json.loads("".join(export.export_json("structures"))):
        schema.DiStructure.model_validate(item)
    for item in json.loads("".join(export.export_json("services"))):
        schema.DiService.model_validate(item)
    demo_annuaire.seed(actor=None, counts=Counts(), directory_size=500)
    assert Structure.objects.count() == 500  # idempotent


def test_stale_command_shows_progress_and_summary():
    StructureFactory(updated_at=timezone.now() - datetime.timedelta(days=500))
    out = io.StringIO()
    call_command("annuaire_stale_reminders", "--no-progress", stdout=out)
    assert "1 fiche(s) périmée(s)" in out.getvalue()
