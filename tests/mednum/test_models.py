import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from mednum.models import Lieu
from tests.mednum.factories import LieuFactory

pytestmark = pytest.mark.django_db


def test_unreadable_opening_hours_are_refused_in_french():
    lieu = LieuFactory.build(horaires="lundi de 9h à midi")
    lieu.commune_id = "35238"
    with pytest.raises(ValidationError) as exc:
        lieu.full_clean()
    assert "format OpenStreetMap" in str(exc.value.message_dict["horaires"])


def test_enumerations_are_the_standard_labels():
    lieu = LieuFactory.build(services=["Aide aux démarches"], frais_a_charge=["Gratuit"])
    with pytest.raises(ValidationError) as exc:
        lieu.full_clean()
    assert set(exc.value.message_dict) == {"services"}


def test_a_place_without_any_service_cannot_be_saved():
    with pytest.raises(IntegrityError):
        LieuFactory(services=[])


def test_place_has_a_stable_identifier_and_history():
    lieu = LieuFactory()
    identifier = lieu.identifier
    lieu.nom = "Médiathèque des Champs Libres"
    lieu.save()
    lieu.refresh_from_db()
    assert lieu.identifier == identifier and identifier.startswith("lieu-")
    assert [h.nom for h in lieu.history.order_by("history_date")][-1] == "Médiathèque des Champs Libres"
    assert lieu.history.count() == 2
    assert Lieu.objects.get(identifier=identifier).updated_on == timezone.localdate(lieu.updated_at)


def test_the_update_date_is_the_french_day_not_the_utc_one():
    # 23:30 UTC on 7 December is 00:30 on the 8th in Rennes: the schema's date_maj says the 8th.
    lieu = LieuFactory()
    Lieu.objects.filter(pk=lieu.pk).update(updated_at=datetime.datetime(2026, 12, 7, 23, 30, tzinfo=datetime.UTC))
    assert Lieu.objects.get(pk=lieu.pk).updated_on == datetime.date(2026, 12, 8)
