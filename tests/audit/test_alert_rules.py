"""The DPO configures the alert rules in the console: typed, bounded thresholds, a reason kept in history,
the last detection and any failed rule in sight; nobody else reaches these pages."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dpo.admin import AlertRuleAdminForm
from dpo.services import alert_rule_update
from grc.audit import alerts
from grc.audit.alert_rules import SCHEMA
from grc.audit.alerts import detect, ensure_default_rules
from grc.audit.models import AccessLog, AlertRule
from grc.audit.services import access_log_write
from tests.factories import CitizenFactory, verify_otp

pytestmark = pytest.mark.django_db
Kind = AlertRule.Kind


@pytest.fixture(autouse=True)
def rules():
    return {r.kind: r for r in ensure_default_rules()}


def _post(client, kind, **data):
    form = {
        "enabled": "on",
        "reason": "Ajustement après revue trimestrielle",
        **{t.name: str(t.default).lower() for t in SCHEMA[kind] if t.type is not bool},
        **{t.name: "on" for t in SCHEMA[kind] if t.type is bool and t.default},
    }
    form.update(data)
    form = {k: v for k, v in form.items() if v is not None}
    return client.post(reverse("backoffice:dpo_rule", args=[kind]), form)


@pytest.mark.parametrize("name,args", [("dpo_rules", []), ("dpo_rule", [Kind.EMERGENCY])])
def test_rule_pages_are_404_for_anyone_but_the_dpo(client, manager_a, staff_user, name, args):
    staff_user.is_superuser = True  # a superuser without the DPO role too
    staff_user.save()
    for user in (manager_a, staff_user):
        verify_otp(client, user)
        assert client.get(reverse(f"backoffice:{name}", args=args)).status_code == 404
        assert client.post(reverse(f"backoffice:{name}", args=args), {"reason": "x"}).status_code == 404
    assert AlertRule.objects.get(kind=Kind.EMERGENCY).history.count() == 1  # only its creation


def test_unknown_rule_is_404(dpo_client):
    assert dpo_client.get(reverse("backoffice:dpo_rule", args=["inconnue"])).status_code == 404


def test_the_dpo_finds_the_rules_page_from_the_console_and_sees_every_threshold(dpo_client):
    alerts_page = dpo_client.get(reverse("backoffice:dpo_alerts")).content.decode()
    assert reverse("backoffice:dpo_rules") in alerts_page and "Règles d'alerte" in alerts_page
    body = dpo_client.get(reverse("backoffice:dpo_rules")).content.decode()
    for kind, thresholds in SCHEMA.items():
        assert reverse("backoffice:dpo_rule", args=[kind]) in body
        for threshold in thresholds:
            assert threshold.label.replace("'", "&#x27;") in body
    assert "Multiple de la médiane de l&#x27;équipe : <strong>3</strong>" in body


def test_the_dpo_changes_a_threshold_and_the_change_is_in_the_rules_history(dpo_client, dpo):
    response = _post(dpo_client, Kind.VOLUME_TEAM, factor="2,5", min_peers="4")
    assert response.status_code == 302
    rule = AlertRule.objects.get(kind=Kind.VOLUME_TEAM)
    assert rule.params == {"min_reads": 20, "factor": 2.5, "min_peers": 4}
    last = rule.history.order_by("-history_date").first()
    assert last.history_user_id == dpo.pk
    assert "Ajustement après revue trimestrielle" in last.history_change_reason
    assert "Multiple de la médiane de l'équipe : 3 → 2,5" in last.history_change_reason
    page = dpo_client.get(reverse("backoffice:dpo_rule", args=[Kind.VOLUME_TEAM])).content.decode()
    assert "Ajustement après revue trimestrielle" in page and (dpo.get_full_name() or dpo.email) in page
    # Switching a rule off is a change too, and detection then skips it.
    assert _post(dpo_client, Kind.VOLUME_TEAM, enabled=None, factor="2,5", min_peers="4").status_code == 302
    rule.refresh_from_db()
    assert rule.enabled is False
    assert "règle désactivée" in rule.history.order_by("-history_date").first().history_change_reason


@pytest.mark.parametrize(
    "kind,field,typed,message",
    [
        (Kind.VOLUME_TEAM, "factor", "1", "supérieur à 1"),
        (Kind.VOLUME_TEAM, "factor", "trois", "Saisissez un nombre"),
        (Kind.EMERGENCY, "lookback_days", "0", "supérieur ou égal à 1"),
        (Kind.EMERGENCY, "lookback_days", "366", "inférieur ou égal à 365"),
        (Kind.EMERGENCY, "lookback_days", "30.5", "Saisissez un nombre entier"),
        (Kind.OFF_HOURS, "night_start", "24", "inférieur ou égal à 23"),
        (Kind.OFF_HOURS, "night_end", "-1", "supérieur ou égal à 0"),
        (Kind.MASS_EXPORT, "max_per_day", "0", "supérieur ou égal à 1"),
        (Kind.VOLUME_SELF, "min_baseline_days", "40", "Ne peut dépasser la période de référence"),
        (Kind.MASS_EXPORT, "reason", "", "Indiquez le motif de la modification"),
    ],
)
def test_a_wrong_threshold_is_refused_in_french_keeps_what_was_typed_and_saves_nothing(
    dpo_client, kind, field, typed, message
):
    before = AlertRule.objects.get(kind=kind)
    history = before.history.count()
    response = _post(dpo_client, kind, **{field: typed})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    if typed:
        assert f'value="{typed}"' in body
    after = AlertRule.objects.get(kind=kind)
    assert after.params == before.params and after.history.count() == history


def test_the_service_refuses_bad_values_too(dpo):
    rule = AlertRule.objects.get(kind=Kind.EMERGENCY)
    with pytest.raises(ValidationError):
        alert_rule_update(rule=rule, actor=dpo, enabled=True, params={"lookback_days": "30"}, reason="x")
    rule.refresh_from_db()
    assert rule.params == {"lookback_days": 30}


def test_last_detection_and_failed_rules_are_shown_on_the_alert_list_and_the_rules_page(
    dpo_client, worker_a, monkeypatch
):
    body = dpo_client.get(reverse("backoffice:dpo_alerts")).content.decode()
    assert "Aucune détection n'a encore tourné" in body

    def broken(rule, lo, hi, summary):
        raise ZeroDivisionError

    monkeypatch.setitem(alerts.DETECTORS, Kind.OFF_HOURS, broken)
    AlertRule.objects.filter(kind=Kind.EMERGENCY).update(params={"lookback_days": "30"})
    access_log_write(actor=worker_a, action=AccessLog.Action.FILE_VIEW, citizen=CitizenFactory().pk)
    detect()
    for url in (reverse("backoffice:dpo_alerts"), reverse("backoffice:dpo_rules")):
        body = dpo_client.get(url).content.decode()
        assert "Dernière détection le" in body
        assert "1 règle n'a pas pu être évaluée" in body
        assert "Activité la nuit ou le week-end" in body and "ZeroDivisionError" in body
    rules_page = dpo_client.get(reverse("backoffice:dpo_rules")).content.decode()
    assert "valeur enregistrée invalide" in rules_page  # the stored "30" (text), replaced by its default


def test_rules_page_query_count_is_pinned(dpo_client, django_assert_num_queries):
    # The observatory's nav entry reads the memberships already cached for the request: no query of its own.
    url = reverse("backoffice:dpo_rules")
    dpo_client.get(url)
    # session, user, OTP device, roles, the rules, nav: whatever the rules' state.
    with django_assert_num_queries(5):
        dpo_client.get(url)
    AlertRule.objects.update(last_run_ok=False, last_run_message="Échec")
    with django_assert_num_queries(5):
        dpo_client.get(url)


def test_the_admin_checks_thresholds_against_the_same_schema():
    rule = AlertRule.objects.get(kind=Kind.OFF_HOURS)
    form = AlertRuleAdminForm(
        {"enabled": "on", "params": '{"night_start": 25, "weekends": true, "typo": 1}', "description": "x"},
        instance=rule,
    )
    assert not form.is_valid()
    assert any("inférieur ou égal à 23" in e for e in form.errors["params"])
    assert any("typo : seuil inconnu" in e for e in form.errors["params"])


def test_an_admin_edit_needs_a_reason_kept_in_the_rules_history(admin_client):
    rule = AlertRule.objects.get(kind=Kind.OFF_HOURS)
    url = f"/django-admin/audit/alertrule/{rule.pk}/change/"
    data = {"enabled": "on", "params": '{"night_start": 21}', "description": rule.description}

    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with its error
    assert list(response.context["adminform"].form.errors) == ["reason"]
    rule.refresh_from_db()
    assert rule.params.get("night_start") != 21

    before = rule.history.count()
    response = admin_client.post(
        url, {**data, "description": "Soirées et week-ends", "reason": "Permanence du soir jusqu'à 21 h"}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.params["night_start"] == 21
    assert rule.description == "Soirées et week-ends"
    assert rule.history.count() == before + 1  # one edit, one history row
    assert "description" in rule.history.latest("history_id").history_change_reason
    latest = rule.history.latest("history_id")
    assert latest.history_change_reason.startswith("Permanence du soir jusqu'à 21 h (")
    assert "21" in latest.history_change_reason
    assert latest.history_user.is_superuser
