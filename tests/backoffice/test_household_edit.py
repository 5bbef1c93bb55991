"""Households edited in the back office: create one, add a member found through the citizen search, change a
role, take a member out — each change in the history with its author; reads access-logged; only agents who
may edit the citizen's reference data (others get a 404); bad input answered in French, nothing saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grc.audit.models import AccessLog
from grc.models import Citizen, Household, HouseholdMembership, Membership
from tests.factories import CitizenFactory, MembershipFactory, verify_otp

pytestmark = pytest.mark.django_db
ROLE = HouseholdMembership.Role


def test_an_agent_builds_a_household_with_history_and_access_log(client, worker_a, citizen):
    child = CitizenFactory(birth_name="Kerbrat", first_names="Maëlys")
    client = verify_otp(client, worker_a)
    page_url = reverse("backoffice:citizen_household", args=[citizen.pk])
    change = reverse("backoffice:citizen_household_change", args=[citizen.pk])
    assert "Modifier le foyer" in client.get(reverse("backoffice:citizen_detail", args=[citizen.pk])).content.decode()
    assert "Créer un foyer" in client.get(page_url).content.decode()
    assert client.post(change, {"action": "create", "role": ROLE.DECLARANT}).url == page_url
    household = Household.objects.get()
    found = client.get(page_url, {"q": "Kerbrat Maëlys"}).content.decode()
    assert "Ajouter au foyer" in found and f'name="member" value="{child.pk}"' in found
    client.post(change, {"action": "add", "household": household.pk, "member": child.pk, "role": ROLE.OTHER})
    membership = HouseholdMembership.objects.get(citizen=child)
    client.post(change, {"action": "role", "membership": membership.pk, "role": ROLE.CHILD})
    membership.refresh_from_db()
    assert membership.role == ROLE.CHILD and membership.end_date is None
    roles = [h.role for h in membership.history.order_by("history_date")]
    assert roles == [ROLE.OTHER, ROLE.CHILD] and membership.history.first().history_user == worker_a
    assert membership.history.first().history_change_reason == "changement de rôle"
    removed = client.post(change, {"action": "remove", "membership": membership.pk}, follow=True).content.decode()
    assert "Membre retiré du foyer" in removed
    membership.refresh_from_db()
    assert membership.end_date is not None and membership.history.count() == 3
    assert "KERBRAT Maëlys" not in client.get(page_url).content.decode()  # no longer a current member
    # The past composition stays on the citizen's page (dated), and every read was logged.
    detail = client.get(reverse("backoffice:citizen_detail", args=[citizen.pk])).content.decode()
    assert "KERBRAT Maëlys" in detail and "jusqu'au" in detail
    logged = AccessLog.objects.filter(
        actor=worker_a, action=AccessLog.Action.CITIZEN_VIEW, purpose="foyer : modification"
    )
    assert logged.filter(citizen=citizen).exists() and logged.filter(citizen=child).exists()
    assert AccessLog.objects.filter(actor=worker_a, action=AccessLog.Action.CITIZEN_SEARCH).exists()


def test_bad_household_changes_are_refused_in_french_and_nothing_is_saved(client, worker_a, citizen):
    child = CitizenFactory()
    client = verify_otp(client, worker_a)
    change = reverse("backoffice:citizen_household_change", args=[citizen.pk])
    bad_role = client.post(change, {"action": "create", "role": "<script>roi</script>"})
    assert bad_role.status_code == 422 and "Choisissez un rôle dans la liste." in bad_role.content.decode()
    assert "<script>roi" not in bad_role.content.decode() and not Household.objects.exists()
    client.post(change, {"action": "create", "role": ROLE.DECLARANT})
    household = Household.objects.get()
    client.post(change, {"action": "add", "household": household.pk, "member": child.pk, "role": ROLE.CHILD})
    twice = client.post(change, {"action": "add", "household": household.pk, "member": child.pk, "role": ROLE.CHILD})
    assert twice.status_code == 422 and "fait déjà partie de ce foyer" in twice.content.decode()
    unknown = client.post(change, {"action": "supprimer-tout"})
    assert unknown.status_code == 422 and "Action inconnue." in unknown.content.decode()
    for data in ({"action": "add", "household": "abc", "member": child.pk, "role": ROLE.CHILD},
                 {"action": "add", "household": household.pk, "member": "9" * 30, "role": ROLE.CHILD},
                 {"action": "role", "membership": "999999", "role": ROLE.CHILD}):  # fmt: skip
        assert client.post(change, data).status_code == 404
    # A household the citizen is not in cannot be reached through their page.
    other = CitizenFactory()
    client.post(reverse("backoffice:citizen_household_change", args=[other.pk]), {"action": "create", "role": "autre"})
    foreign = Household.objects.exclude(pk=household.pk).get()
    assert client.post(change, {"action": "add", "household": foreign.pk, "member": child.pk,
                                "role": ROLE.CHILD}).status_code == 404  # fmt: skip
    assert HouseholdMembership.objects.filter(household=household).count() == 2


def test_only_agents_who_may_edit_the_reference_get_the_household_page(client, team_a, citizen):
    mailroom = MembershipFactory(team=team_a, role=Membership.Role.MAILROOM_AGENT).user
    client = verify_otp(client, mailroom)
    assert client.get(reverse("backoffice:citizen_detail", args=[citizen.pk])).status_code == 200
    assert client.get(reverse("backoffice:citizen_household", args=[citizen.pk])).status_code == 404
    change = reverse("backoffice:citizen_household_change", args=[citizen.pk])
    assert client.post(change, {"action": "create", "role": ROLE.DECLARANT}).status_code == 404
    assert not Household.objects.exists() and Citizen.objects.filter(pk=citizen.pk).exists()
