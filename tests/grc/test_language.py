"""The interface is French whatever language the browser asks for: a browser asking for English used to get
Django's own words (day names, default form errors) in English amid French pages."""

from django.urls import reverse
from django.utils import formats, timezone, translation

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write


def test_an_english_browser_gets_french_day_names(dpo_client, worker_a):
    access_log_write(actor=worker_a, action=AccessLog.Action.EXPORT, purpose="Export")
    url = reverse("backoffice:dpo_actor_timeline", args=[worker_a.pk])
    response = dpo_client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.wsgi_request.LANGUAGE_CODE == "fr"
    today = timezone.localdate()
    with translation.override("fr"):
        french = formats.date_format(today, "l")
    with translation.override("en"):
        english = formats.date_format(today, "l")
    body = response.content.decode()
    assert french in body
    assert english not in body
