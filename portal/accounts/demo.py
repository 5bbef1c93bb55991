"""Demo data for citizen accounts: the demo portal account gets its identity profile (idempotent).

Registered as the ``portal.accounts`` seeder by ``portal.demo``: after the portal's catalogue and
before the demo's requests, as ``seed_demo`` always ran it.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone

from demo import data
from grc.history import save_tracked
from grc.models import Citizen
from portal.accounts.models import CitizenProfile

LABEL = "profils de comptes usagers"


def seed(*, actor, counts) -> None:
    """Give usager@demo.grc.local a verified profile matching its demo citizen (created by demo.accounts)."""
    user = get_user_model().objects.filter(email=data.PORTAL_ACCOUNT_EMAIL).first()
    if user is None:
        return
    identity = {k: v for k, v in data.PORTAL_CITIZEN.items() if k != "birth_country"}
    profile = CitizenProfile.objects.filter(user=user).first()
    if profile is not None:
        counts.add(LABEL, created=False)
        return
    now = timezone.now()
    profile = CitizenProfile(
        user=user,
        source=CitizenProfile.Source.DEMO,
        assurance_level=Citizen.Assurance.EMAIL_VERIFIED,
        terms_accepted_at=now,
        email_verified_at=now,
        **identity,
    )
    save_tracked(profile, actor, "démonstration")
    counts.add(LABEL, created=True)
