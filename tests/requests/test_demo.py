import pytest
from django.core import mail

from grc.demo import data, seed
from grc.requests import demo
from grc.requests.models import Request
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_covers_statuses(django_capture_on_commit_callbacks):
    portal_demo = pytest.importorskip("portal.demo")
    from tests.portal.conftest import ensure_wagtail_root

    ensure_wagtail_root()
    counts = seed.Counts()
    actor = seed.system_account()
    seed.seed_organisation(actor=actor, counts=counts)
    seed.seed_portal_account(actor=actor, password=data.DEFAULT_PASSWORD, counts=counts)
    seed.seed_portal_pages(counts=counts)
    CitizenFactory.create_batch(5)
    portal_demo.seed(actor=actor, counts=counts)
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(actor=actor, counts=counts)
    statuses = set(Request.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "in_review", "awaiting_citizen", "accepted", "refused", "closed"} <= statuses
    assert Request.objects.filter(account__email=data.PORTAL_ACCOUNT_EMAIL).count() == 4
    total = Request.objects.count()
    demo.seed(actor=actor, counts=counts)
    assert Request.objects.count() == total
    assert mail.outbox == []
