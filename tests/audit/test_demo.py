"""The demo seeder: default rules, a few rows that make alerts fire, idempotent."""

import pytest
from django.urls import reverse

from demo.records import Counts
from demo.seeders import audit as demo
from grc.audit.models import AccessLog, Alert, AlertRule, LogVerification
from tests.factories import CitizenFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_seed_creates_rules_rows_and_alerts_once():
    worker = MembershipFactory(user__email="ts.vitre@demo.grc.local", user__last_name="Le Bihan").user
    MembershipFactory(user__email="instructeur.rsa@demo.grc.local")
    CitizenFactory.create_batch(4)
    CitizenFactory(birth_name="Le Bihan")
    demo.seed(actor=None, counts=Counts())
    assert AlertRule.objects.count() == len(AlertRule.Kind.values)
    kinds = set(Alert.objects.values_list("rule__kind", flat=True))
    assert {AlertRule.Kind.OFF_HOURS, AlertRule.Kind.MASS_EXPORT, AlertRule.Kind.SAME_NAME} <= kinds
    assert Alert.objects.filter(subject=worker, rule__kind=AlertRule.Kind.OFF_HOURS).exists()
    rows, alerts = AccessLog.objects.count(), Alert.objects.count()
    demo.seed(actor=None, counts=Counts())
    assert (AccessLog.objects.count(), Alert.objects.count()) == (rows, alerts)


def test_verify_now_button_queues_a_verification(dpo_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the test task backend runs it at once
        response = dpo_client.post(reverse("backoffice:dpo_verify_now"))
    assert response.status_code == 302
    assert LogVerification.objects.get().ok is True
