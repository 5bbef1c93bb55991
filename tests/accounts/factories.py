import datetime

from django.utils import timezone

from grc.models import Citizen
from portal.accounts.models import CitizenProfile, OidcIdentity
from tests.factories import UserFactory

PASSWORD = "motdepasse-solide-42"


def portal_account(
    *,
    email=None,
    birth_name="Lefebvre",
    usage_name="",
    first_names="Maryvonne, Anne",
    birth_date=datetime.date(1962, 3, 14),
    birth_place="Rennes",
    birth_place_code="",
    sex=Citizen.Sex.FEMALE,
    level=Citizen.Assurance.EMAIL_VERIFIED,
    oidc_sub=None,
):
    """A verified, active portal account with its identity profile (and an OIDC identity if ``oidc_sub``)."""
    user = UserFactory(citizen_account=True, **({"email": email} if email else {}))
    CitizenProfile.objects.create(
        user=user,
        birth_name=birth_name,
        usage_name=usage_name,
        first_names=first_names,
        birth_date=birth_date,
        birth_place=birth_place,
        birth_place_code=birth_place_code,
        sex=sex,
        assurance_level=level,
        email_verified_at=timezone.now() if level >= Citizen.Assurance.EMAIL_VERIFIED else None,
        source=CitizenProfile.Source.OIDC if oidc_sub else CitizenProfile.Source.SIGNUP,
    )
    if oidc_sub:
        OidcIdentity.objects.create(user=user, issuer="https://fc.example", sub=oidc_sub)
    return user
