import pytest
from django.core import mail

from demandes.models import Request
from demo import accounts, data
from demo.records import Counts
from demo.seeders import requests as demo
from tests.factories import CitizenFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_covers_statuses(django_capture_on_commit_callbacks):
    from wagtail.models import Page

    from tests.portal.conftest import FIELDS, ensure_wagtail_root, make_procedure

    ensure_wagtail_root()
    root = Page.get_first_root_node()
    team = TeamFactory()
    # The portal's demo procedures the requests demo looks up by slug (portal.demo.catalogue creates them).
    for slug in ("transport-scolaire-adapte", "fapa", "demande-de-mediation", "contacter-un-service"):
        make_procedure(root, slug=slug, title=slug.replace("-", " ").capitalize(), team=team, fields=FIELDS)
    actor = accounts.system_account()
    accounts.seed_portal_account(actor=actor, password=data.DEFAULT_PASSWORD, counts=Counts())
    CitizenFactory.create_batch(5)
    counts = Counts()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(actor=actor, counts=counts)
    statuses = set(Request.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "in_review", "awaiting_citizen", "accepted", "refused", "closed"} <= statuses
    assert Request.objects.filter(account__email=data.PORTAL_ACCOUNT_EMAIL).count() == 4
    assert counts.created["demandes"] == 8
    total = Request.objects.count()
    demo.seed(actor=actor, counts=counts)
    assert Request.objects.count() == total and counts.existing["demandes"] == 8
    assert mail.outbox == []


def test_demo_seed_skips_missing_procedures():
    from tests.portal.conftest import ensure_wagtail_root

    ensure_wagtail_root()
    actor = accounts.system_account()
    demo.seed(actor=actor, counts=Counts())
    assert not Request.objects.exists()
