import pytest

from demo import data
from demo.accounts import seed_portal_account, system_account
from demo.records import Counts
from portal.accounts import demo
from portal.accounts.linking import ensure_citizen
from portal.accounts.models import CitizenProfile

pytestmark = pytest.mark.django_db


def test_demo_portal_account_gets_a_profile_once_and_keeps_its_citizen():
    actor = system_account()
    counts = Counts()
    user = seed_portal_account(actor=actor, password="demo-password-2026", counts=counts)
    demo.seed(actor=actor, counts=counts)
    demo.seed(actor=actor, counts=counts)

    profile = CitizenProfile.objects.get(user=user)
    assert profile.birth_name == data.PORTAL_CITIZEN["birth_name"] and profile.email_verified
    assert counts.created[demo.LABEL] == 1 and counts.existing[demo.LABEL] == 1
    assert ensure_citizen(user).birth_name == data.PORTAL_CITIZEN["birth_name"]
