"""Linking a portal account to the citizen reference: strong evidence links, anything else creates a
new citizen (with a duplicate suspicion for staff when the reference holds a likely duplicate)."""

import datetime

import pytest

from grc.models import Citizen, ContactPoint, DuplicateSuspicion
from portal.accounts.linking import IdentityIncomplete, ensure_citizen
from tests.accounts.factories import portal_account
from tests.factories import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1962, 3, 14)


def _reference_citizen(**overrides):
    fields = {
        "birth_name": "LEFEBVRE",
        "first_names": "Maryvonne, Anne",
        "birth_date": BIRTH,
        "birth_place": "Rennes",
        "sex": Citizen.Sex.FEMALE,
    }
    fields.update(overrides)
    return CitizenFactory(**fields)


def _suspected(a, b):
    low, high = sorted([a.pk, b.pk])
    return DuplicateSuspicion.objects.filter(citizen_a_id=low, citizen_b_id=high, status="open").exists()


def test_franceconnect_identity_matching_exactly_is_linked_and_raised_to_franceconnect():
    existing = _reference_citizen(birth_place_code="35238")
    user = portal_account(
        level=Citizen.Assurance.FRANCECONNECT, oidc_sub="abc", birth_place="", birth_place_code="35238"
    )

    citizen = ensure_citizen(user)

    assert citizen.pk == existing.pk
    existing.refresh_from_db()
    assert existing.user_id == user.pk
    assert existing.assurance_level == Citizen.Assurance.FRANCECONNECT
    assert existing.history.first().history_change_reason == "compte du portail lié"
    assert Citizen.objects.count() == 1


def test_second_call_returns_the_linked_citizen():
    user = portal_account()
    first = ensure_citizen(user)
    assert ensure_citizen(user).pk == first.pk
    assert Citizen.objects.count() == 1


def test_verified_email_alone_never_takes_over_an_existing_file():
    existing = _reference_citizen()
    user = portal_account()  # same identity, e-mail verified, nothing else

    citizen = ensure_citizen(user)

    assert citizen.pk != existing.pk
    existing.refresh_from_db()
    assert existing.user_id is None
    assert citizen.user_id == user.pk
    assert citizen.assurance_level == Citizen.Assurance.EMAIL_VERIFIED
    assert _suspected(citizen, existing), "staff must be asked whether these two are one person"
    assert citizen.contact_points.get(kind=ContactPoint.Kind.EMAIL).value == user.email


def test_verified_email_already_on_the_file_plus_exact_identity_links():
    existing = _reference_citizen()
    user = portal_account(email="maryvonne.lefebvre@example.org")
    ContactPoint.objects.create(citizen=existing, kind=ContactPoint.Kind.EMAIL, value="Maryvonne.Lefebvre@example.org")

    assert ensure_citizen(user).pk == existing.pk


def test_file_email_without_birth_place_on_the_account_is_not_enough():
    existing = _reference_citizen()
    user = portal_account(email="m.lefebvre@example.org", birth_place="")
    ContactPoint.objects.create(citizen=existing, kind=ContactPoint.Kind.EMAIL, value="m.lefebvre@example.org")

    assert ensure_citizen(user).pk != existing.pk


def test_document_checked_exact_match_links():
    existing = _reference_citizen()
    user = portal_account(level=Citizen.Assurance.DOCUMENT_CHECKED)
    assert ensure_citizen(user).pk == existing.pk


def test_homonym_born_another_day_is_never_linked_nor_suspected():
    homonym = _reference_citizen(birth_date=datetime.date(1975, 8, 2))
    user = portal_account(level=Citizen.Assurance.FRANCECONNECT, oidc_sub="homonym")

    citizen = ensure_citizen(user)

    assert citizen.pk != homonym.pk
    homonym.refresh_from_db()
    assert homonym.user_id is None
    assert not DuplicateSuspicion.objects.exists()


def test_twin_with_another_first_name_is_never_linked():
    twin = _reference_citizen(first_names="Martine")
    user = portal_account(level=Citizen.Assurance.FRANCECONNECT, oidc_sub="twin")

    citizen = ensure_citizen(user)

    assert citizen.pk != twin.pk
    twin.refresh_from_db()
    assert twin.user_id is None


def test_franceconnect_identity_born_elsewhere_is_not_linked():
    other = _reference_citizen(birth_place_code="29019")  # Brest
    user = portal_account(
        level=Citizen.Assurance.FRANCECONNECT, oidc_sub="x", birth_place="", birth_place_code="35238"
    )

    assert ensure_citizen(user).pk != other.pk


def test_citizen_already_linked_to_another_account_is_never_taken():
    owner = UserFactory(citizen_account=True)
    existing = _reference_citizen(user=owner)
    user = portal_account(level=Citizen.Assurance.FRANCECONNECT, oidc_sub="intruder")

    citizen = ensure_citizen(user)

    assert citizen.pk != existing.pk
    existing.refresh_from_db()
    assert existing.user_id == owner.pk
    assert _suspected(citizen, existing)


def test_two_exact_matches_are_ambiguous_and_link_neither():
    a = _reference_citizen()
    b = _reference_citizen()
    user = portal_account(level=Citizen.Assurance.FRANCECONNECT, oidc_sub="ambiguous")

    citizen = ensure_citizen(user)

    assert citizen.pk not in (a.pk, b.pk)
    assert _suspected(citizen, a) and _suspected(citizen, b)


def test_franceconnect_level_without_an_oidc_identity_counts_as_document_checked_at_most():
    user = portal_account(level=Citizen.Assurance.FRANCECONNECT)  # no OidcIdentity row
    assert ensure_citizen(user).assurance_level == Citizen.Assurance.DOCUMENT_CHECKED


def test_account_without_identity_is_asked_to_complete_it():
    with pytest.raises(IdentityIncomplete):
        ensure_citizen(UserFactory(citizen_account=True))


def test_staff_accounts_are_refused():
    with pytest.raises(ValueError, match="staff"):
        ensure_citizen(UserFactory(staff=True))


def test_actor_is_recorded_in_history():
    agent = UserFactory(staff=True)
    user = portal_account()
    citizen = ensure_citizen(user, actor=agent)
    assert citizen.history.first().history_user_id == agent.pk
