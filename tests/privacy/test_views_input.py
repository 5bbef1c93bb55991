"""Bad input on every GDPR register and retention screen: a French error (form error, 400), a 404 or a
410, never a 500. The test client re-raises a view's exception, so a 500 fails these tests."""

from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from privacy import services
from privacy.archive import access_archive_compile
from privacy.models import RetentionExport, RetentionRule
from privacy.retention import retention_apply, retention_rules_ensure
from tests.bad_input import GARBAGE, PATH_IDS, no_500

pytestmark = pytest.mark.django_db

MARKER = 987654321

GET_PAGES = {
    "privacy_request_list": ("", ["toutes", "page"]),
    "privacy_request_create": ("", []),
    "privacy_request_detail": ("request", []),
    "privacy_request_edit": ("request", []),
    "privacy_archive_download": ("archive", []),
    "privacy_retention": ("", []),
    "privacy_rule_edit": ("rule", []),
    "privacy_run_detail": ("run", []),
    "privacy_export_download": ("export", []),
}
POST_PAGES = {
    "privacy_request_create": "",
    "privacy_request_edit": "request",
    "privacy_request_transition": "request",
    "privacy_request_extend": "request",
    "privacy_withholding_set": "request",
    "privacy_erasure_execute": "request",
    "privacy_account_erase": "request",
    "privacy_account_refuse": "request",
    "privacy_archive_create": "request",
    "privacy_rule_edit": "rule",
    "privacy_rule_dry_run": "rule",
}
FORM_FIELDS = [
    "kind",
    "requester_identity",
    "citizen",
    "received_on",
    "channel",
    "owner",
    "notes",
    "to_status",
    "reason",
    "on",
    "confirm",
    "note",
    "target",
    "action",
    "include_staff_names",
    "label",
    "duration_months",
    "legal_reference",
    "warning_days",
    "export_before_destruction",
    "is_active",
]


@pytest.fixture
def objects(dpo, citizen):
    retention_rules_ensure(actor=dpo)
    gdpr_request = services.gdpr_request_create(
        actor=dpo,
        kind="access",
        requester_identity="Demandeur",
        received_on=timezone.localdate(),
        channel="mail",
        citizen=citizen,
    )
    archive = access_archive_compile(citizen=citizen, actor=dpo, gdpr_request=gdpr_request)
    rule = RetentionRule.objects.get(purpose="social_file")
    run = retention_apply(rule=rule, actor=dpo, dry_run=True)
    export = RetentionExport(run=run, item_count=1, size=2, sha256="0" * 64)
    export.content.save("versement.zip", ContentFile(b"PK"), save=False)
    export.save()
    return {"request": gdpr_request.pk, "archive": archive.pk, "rule": rule.pk, "run": run.pk, "export": export.pk}


def _check(response, url):
    no_500(response, url, allowed=(200, 302, 400, 404, 410))


def _url(name, kind, objects, value=None):
    if not kind:
        return reverse(f"backoffice:{name}")
    if value is None:
        return reverse(f"backoffice:{name}", args=[objects[kind]])
    return reverse(f"backoffice:{name}", args=[MARKER]).replace(str(MARKER), quote(value))


@pytest.mark.parametrize("name", sorted(GET_PAGES))
def test_garbage_in_every_get_parameter_and_path_id_never_gives_a_500(dpo_client, objects, name):
    kind, params = GET_PAGES[name]
    url = _url(name, kind, objects)
    for value in GARBAGE:
        _check(dpo_client.get(url, dict.fromkeys(params or ["x"], value)), url)
        for param in params:
            _check(dpo_client.get(url, {param: value}), url)
    if kind:
        for value in PATH_IDS + ["²", "-1", "abc"]:
            bad = _url(name, kind, objects, value)
            response = dpo_client.get(bad)
            _check(response, bad)
            if value in PATH_IDS:
                assert response.status_code == 404, bad


@pytest.mark.parametrize("name", sorted(POST_PAGES))
def test_garbage_in_every_form_field_and_path_id_never_gives_a_500(dpo_client, objects, name):
    kind = POST_PAGES[name]
    url = _url(name, kind, objects)
    for value in GARBAGE:
        _check(dpo_client.post(url, dict.fromkeys(FORM_FIELDS, value)), url)
    if kind:
        for value in PATH_IDS:
            bad = _url(name, kind, objects, value)
            response = dpo_client.post(bad, dict.fromkeys(FORM_FIELDS, "1"))
            _check(response, bad)
            assert response.status_code == 404, bad


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("warning_days", "100000", "Le préavis doit être compris entre 0 et 365 jours."),
        ("warning_days", "-1", "Le préavis doit être compris entre 0 et 365 jours."),
        ("duration_months", "40000", "La durée doit être comprise entre 1 et 1200 mois."),
        ("duration_months", "0", "La durée doit être comprise entre 1 et 1200 mois."),
        ("duration_months", "abc", "Saisissez un nombre entier."),
    ],
)
def test_rule_numbers_out_of_range_get_a_french_form_error(dpo_client, objects, field, value, message):
    rule = RetentionRule.objects.get(pk=objects["rule"])
    data = {
        "label": rule.label,
        "duration_months": "24",
        "legal_reference": "CASF",
        "warning_days": "30",
        "is_active": "on",
        field: value,
    }
    response = dpo_client.post(reverse("backoffice:privacy_rule_edit", args=[rule.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'value="' + value + '"' in response.content.decode()  # what was typed is kept
    unchanged = RetentionRule.objects.get(pk=rule.pk)
    assert (unchanged.duration_months, unchanged.warning_days) == (rule.duration_months, rule.warning_days)


def test_a_missing_export_file_gets_a_french_page_not_a_500(dpo_client, objects):
    export = RetentionExport.objects.get(pk=objects["export"])
    url = reverse("backoffice:privacy_export_download", args=[export.pk])
    response = dpo_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK"
    for close in response._resource_closers:
        close()
    export.content.storage.delete(export.content.name)
    response = dpo_client.get(url)
    assert response.status_code == 410
    body = response.content.decode()
    assert "introuvable dans le stockage" in body and export.sha256 in body


def test_garbage_on_an_erasure_entry_never_gives_a_500_and_queues_one_erasure(
    dpo_client, dpo, citizen, django_capture_on_commit_callbacks
):
    """The sweep above posts to an access request (refused at once); here an erasure entry the service
    accepts: the first confirmed post records one erasure, every other is refused in French."""
    from privacy.models import ErasureExecution

    entry = services.gdpr_request_create(
        actor=dpo,
        kind="erasure",
        requester_identity="Demandeur",
        received_on=timezone.localdate(),
        channel="mail",
        citizen=citizen,
    )
    url = reverse("backoffice:privacy_erasure_execute", args=[entry.pk])
    with django_capture_on_commit_callbacks() as queued:
        for value in GARBAGE:
            _check(dpo_client.post(url, {**dict.fromkeys(FORM_FIELDS, value), "confirm": "on"}), url)
            _check(dpo_client.post(url, dict.fromkeys(FORM_FIELDS, value)), url)
    assert len(queued) == 1
    assert ErasureExecution.objects.get(gdpr_request=entry).status == ErasureExecution.Status.PENDING
    page = dpo_client.get(entry.get_absolute_url()).content.decode()
    assert "<strong>en attente</strong>" in page and f'action="{url}"' not in page
