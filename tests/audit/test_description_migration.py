"""Rules created before the thresholds became editable get the new descriptions; a DPO's own text stays."""

import importlib

import pytest
from django.apps import apps as django_apps

from grc.audit.alert_rules import DESCRIPTIONS
from grc.audit.alerts import ensure_default_rules
from grc.audit.models import AlertRule

pytestmark = pytest.mark.django_db

migration = importlib.import_module("grc.audit.migrations.0014_alert_rule_descriptions")


def test_the_frozen_texts_are_the_current_defaults():
    assert {kind: new for kind, (_old, new) in migration.TEXTS.items()} == {
        kind: DESCRIPTIONS[kind] for kind in migration.TEXTS
    }


def test_old_default_descriptions_are_rewritten_and_edited_ones_kept():
    ensure_default_rules()
    off_hours, _old_new = migration.TEXTS["off_hours"]
    AlertRule.objects.filter(kind="off_hours").update(description=off_hours)
    AlertRule.objects.filter(kind="mass_export").update(description="Texte écrit par la DPO")
    migration.forwards(django_apps, None)
    assert AlertRule.objects.get(kind="off_hours").description == "Lectures la nuit ou le week-end."
    assert AlertRule.objects.get(kind="mass_export").description == "Texte écrit par la DPO"
