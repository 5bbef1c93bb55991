"""Memberships and roles change only through grc.services.memberships: history, no self-granting, DPO alert."""

import datetime
import pathlib
import re

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossier_unique import perms as file_perms
from grc.audit.alerts import ensure_default_rules
from grc.audit.models import Alert, AlertRule
from grc.models import Membership, MembershipRequest, Team
from grc.services import memberships as services
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory, verify_otp

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]
TODAY = timezone.localdate


def functional_admin():
    return MembershipFactory(
        role=Membership.Role.FUNCTIONAL_ADMIN, user=UserFactory(staff=True, is_superuser=True)
    ).user


def admin_session(user) -> Client:
    return verify_otp(Client(), user)


def team_with_a_file():
    """A team following one open accompaniment (so a file role in it opens that social file)."""
    team = TeamFactory()
    citizen = CitizenFactory()
    manager = MembershipFactory(team=team, role=Membership.Role.TEAM_MANAGER).user
    file, _accompaniment = open_file(citizen=citizen, team=team, actor=manager)
    return team, file


def membership_alerts():
    return Alert.objects.filter(rule__kind=AlertRule.Kind.MEMBERSHIP)


def add_form(user, team, role=Membership.Role.SOCIAL_WORKER, **extra):
    return {
        "user": user.pk,
        "team": team.pk,
        "role": role,
        "start_date": TODAY().isoformat(),
        "end_date": "",
        "reason": "renfort",
        **extra,
    }


# --- the admin goes through the services ----------------------------------------------------------


def test_admin_adding_a_colleague_to_a_team_with_files_is_immediate_with_history_and_a_dpo_alert():
    admin = functional_admin()
    colleague = UserFactory(staff=True, first_name="Inès", last_name="Le Bihan")
    team, file = team_with_a_file()

    response = admin_session(admin).post("/django-admin/grc/membership/add/", add_form(colleague, team))

    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=colleague, team=team)
    record = membership.history.latest()
    assert record.history_user == admin
    assert record.history_change_reason == "renfort"
    assert file_perms.can_view_file(colleague, file)
    alert = membership_alerts().get()
    assert alert.subject == colleague
    assert str(admin) in alert.summary and team.name in alert.summary and "1 dossier" in alert.summary


def test_the_dpo_sees_the_membership_alert_in_the_console(dpo):
    admin = functional_admin()
    colleague = UserFactory(staff=True, last_name="Guivarc'h")
    team, _file = team_with_a_file()
    services.membership_create(actor=admin, user=colleague, team=team, role=Membership.Role.INSTRUCTOR)
    alert = membership_alerts().get()

    console = verify_otp(Client(), dpo)
    listing = console.get(reverse("backoffice:dpo_alerts")).content.decode()
    detail = console.get(reverse("backoffice:dpo_alert", args=[alert.pk]))

    assert "Appartenance ouvrant" in listing
    assert detail.status_code == 200
    page = detail.content.decode()
    assert team.name in page and str(admin) in page


def test_membership_in_a_role_or_team_that_opens_no_file_raises_no_alert():
    admin = functional_admin()
    team, _file = team_with_a_file()
    services.membership_create(actor=admin, user=UserFactory(staff=True), team=team, role="mailroom_agent")
    services.membership_create(actor=admin, user=UserFactory(staff=True), team=TeamFactory(), role="social_worker")

    assert not membership_alerts().exists()


def test_widening_a_role_to_a_file_role_alerts_and_ending_it_does_not():
    admin = functional_admin()
    team, file = team_with_a_file()
    colleague = UserFactory(staff=True)
    membership = services.membership_create(
        actor=admin, user=colleague, team=team, role="mailroom_agent", start_date=datetime.date(2024, 1, 1)
    )

    services.membership_update(
        actor=admin, membership=membership, role="team_manager", start_date=membership.start_date, end_date=None
    )
    assert membership_alerts().count() == 1
    assert file_perms.can_view_file(colleague, file)

    services.membership_end(actor=admin, membership=membership, reason="départ")
    membership.refresh_from_db()
    assert membership.end_date == TODAY() - datetime.timedelta(days=1)
    assert not file_perms.can_view_file(colleague, file)
    assert membership_alerts().count() == 1
    assert membership.history.latest().history_change_reason == "départ"


def test_ending_a_membership_that_started_today_removes_it_with_its_history():
    admin = functional_admin()
    membership = services.membership_create(actor=admin, user=UserFactory(staff=True), team=TeamFactory(), role="dpo")

    assert services.membership_end(actor=admin, membership=membership, reason="erreur de saisie") is None

    assert not Membership.objects.filter(pk=membership.pk).exists()
    deleted = Membership.history.filter(id=membership.pk).latest()
    assert (deleted.history_type, deleted.history_user, deleted.history_change_reason) == (
        "-",
        admin,
        "erreur de saisie",
    )


def test_admin_end_action_ends_through_the_service_and_delete_is_not_offered():
    admin = functional_admin()
    membership = MembershipFactory(start_date=datetime.date(2024, 1, 1))
    client = admin_session(admin)

    response = client.post(
        "/django-admin/grc/membership/", {"action": "end_memberships", "_selected_action": [membership.pk]}
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.end_date == TODAY() - datetime.timedelta(days=1)
    assert membership.history.latest().history_user == admin
    assert client.get(f"/django-admin/grc/membership/{membership.pk}/delete/").status_code == 403


def test_team_page_shows_members_read_only():
    admin = functional_admin()
    membership = MembershipFactory()
    page = admin_session(admin).get(f"/django-admin/grc/team/{membership.team.pk}/change/").content.decode()

    assert str(membership.user) in page
    assert "memberships-TOTAL_FORMS" not in page or 'name="memberships-0-role"' not in page


# --- no self-granting ------------------------------------------------------------------------------


def test_admin_granting_themselves_a_membership_gets_a_pending_request_not_access():
    admin = functional_admin()
    team, file = team_with_a_file()

    response = admin_session(admin).post("/django-admin/grc/membership/add/", add_form(admin, team), follow=True)

    assert response.status_code == 200
    assert "doit être validée par un autre administrateur" in response.content.decode()
    assert not Membership.objects.filter(user=admin, team=team).exists()
    assert not file_perms.can_view_file(admin, file)
    request = MembershipRequest.objects.get()
    assert (request.user, request.requested_by, request.status) == (admin, admin, MembershipRequest.Status.PENDING)
    assert not membership_alerts().exists()


def test_another_admin_approves_the_request_and_the_dpo_is_alerted_with_both_names():
    requester, approver = functional_admin(), functional_admin()
    team, file = team_with_a_file()
    admin_session(requester).post("/django-admin/grc/membership/add/", add_form(requester, team))
    request = MembershipRequest.objects.get()

    response = admin_session(approver).post(
        "/django-admin/grc/membershiprequest/", {"action": "approve", "_selected_action": [request.pk]}
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == MembershipRequest.Status.APPROVED and request.decided_by == approver
    membership = Membership.objects.get(user=requester, team=team)
    assert membership.history.latest().history_user == approver
    assert file_perms.can_view_file(requester, file)
    summary = membership_alerts().get().summary
    assert str(approver) in summary and str(requester) in summary
    assert request.history.count() == 2


def test_the_requester_cannot_approve_their_own_request():
    requester = functional_admin()
    team, file = team_with_a_file()
    request = services.membership_request_create(actor=requester, user=requester, team=team, role="social_worker")

    response = admin_session(requester).post(
        "/django-admin/grc/membershiprequest/",
        {"action": "approve", "_selected_action": [request.pk]},
        follow=True,
    )

    assert "Un autre administrateur doit valider cette demande" in response.content.decode()
    request.refresh_from_db()
    assert request.status == MembershipRequest.Status.PENDING
    assert not file_perms.can_view_file(requester, file)
    with pytest.raises(PermissionDenied):
        services.membership_request_approve(actor=requester, membership_request=request)


def test_a_refused_request_gives_nothing_and_cannot_be_approved_afterwards():
    requester, other = functional_admin(), functional_admin()
    team, _file = team_with_a_file()
    request = services.membership_request_create(actor=requester, user=requester, team=team, role="social_worker")

    services.membership_request_refuse(actor=other, membership_request=request, reason="pas de besoin")

    assert not Membership.objects.filter(user=requester, team=team).exists()
    with pytest.raises(ValidationError):
        services.membership_request_approve(actor=other, membership_request=request)


def test_a_staff_member_without_admin_rights_cannot_approve():
    requester = functional_admin()
    request = services.membership_request_create(actor=requester, user=requester, team=TeamFactory(), role="dpo")
    social_worker = MembershipFactory().user

    with pytest.raises(PermissionDenied):
        services.membership_request_approve(actor=social_worker, membership_request=request)


def test_admin_widening_their_own_role_gets_a_request_but_ending_it_is_immediate():
    admin = functional_admin()
    team, file = team_with_a_file()
    mine = services.membership_create(actor=functional_admin(), user=admin, team=team, role="mailroom_agent")
    client = admin_session(admin)

    widen = {**add_form(admin, team, role="social_worker"), "start_date": mine.start_date.isoformat()}
    client.post(f"/django-admin/grc/membership/{mine.pk}/change/", widen)

    mine.refresh_from_db()
    assert mine.role == "mailroom_agent"
    assert MembershipRequest.objects.get().membership == mine
    assert not file_perms.can_view_file(admin, file)

    end = {**widen, "role": "mailroom_agent", "end_date": mine.start_date.isoformat()}
    response = client.post(f"/django-admin/grc/membership/{mine.pk}/change/", end)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.end_date == mine.start_date


def test_services_refuse_a_self_grant_called_directly():
    admin = functional_admin()
    with pytest.raises(ValidationError) as error:
        services.membership_create(actor=admin, user=admin, team=TeamFactory(), role="social_worker")
    assert "autre administrateur" in str(error.value)


def test_bad_membership_values_are_french_form_errors_not_500():
    admin = functional_admin()
    colleague = UserFactory(staff=True)
    team = TeamFactory()
    client = admin_session(admin)
    services.membership_create(actor=admin, user=colleague, team=team, role="instructor")

    duplicate = client.post("/django-admin/grc/membership/add/", add_form(colleague, team, role="instructor"))
    backwards = client.post(
        "/django-admin/grc/membership/add/", add_form(colleague, team, role="dpo", end_date="2020-01-01")
    )
    closed_team = TeamFactory(is_active=False)
    inactive = client.post("/django-admin/grc/membership/add/", add_form(colleague, closed_team))

    for response in (duplicate, backwards, inactive):
        assert response.status_code == 200
        assert "errornote" in response.content.decode()
    assert Membership.objects.filter(user=colleague).count() == 1


# --- no other code path writes memberships ---------------------------------------------------------

# Synthetic benchmark databases (bench/) bulk-load thousands of staff: they never touch a real one.
WRITE_EXEMPT = {"grc/services/memberships.py"}
SCANNED = ["grc", "dossier_unique", "backoffice", "portal", "search", "config"]
WRITE_PATTERNS = [
    re.compile(r"(?<!class )(?<![A-Za-z_])Membership\("),  # a new instance (HouseholdMembership is another model)
    re.compile(
        r"(?<![A-Za-z_])Membership\.objects\.(create|get_or_create|update_or_create|bulk_create|bulk_update)\("
    ),
    re.compile(r"(?<![A-Za-z_])Membership\.objects\.[^\n]*\.(update|delete)\("),
    re.compile(r"\bmemberships\.(create|add|update|set|remove|clear)\("),
]


def test_no_code_path_writes_memberships_outside_the_services():
    offenders = []
    for package in SCANNED:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in WRITE_EXEMPT:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if any(pattern.search(line) for pattern in WRITE_PATTERNS):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_the_admin_save_paths_for_memberships_are_the_services():
    membership_admin = admin.site._registry[Membership]
    assert type(membership_admin).save_model is not ModelAdmin.save_model
    assert not membership_admin.has_delete_permission(None)
    membership_inlines = [
        inline(Team, admin.site) for inline in admin.site._registry[Team].inlines if inline.model is Membership
    ]
    assert membership_inlines
    for inline in membership_inlines:
        assert not inline.has_add_permission(None, None)
        assert not inline.has_change_permission(None, None)
        assert not inline.has_delete_permission(None, None)


def test_the_dpo_can_switch_the_membership_rule_off_and_then_no_alert_is_raised(dpo):
    console = verify_otp(Client(), dpo)
    ensure_default_rules()  # what the scheduled detection does on each run
    assert console.get(reverse("backoffice:dpo_rules")).status_code == 200
    assert console.get(reverse("backoffice:dpo_rule", args=["membership"])).status_code == 200

    response = console.post(reverse("backoffice:dpo_rule", args=["membership"]), {"reason": "essai"})

    assert response.status_code == 302, response.content.decode()[:3000]
    assert not AlertRule.objects.get(kind=AlertRule.Kind.MEMBERSHIP).enabled
    team, _file = team_with_a_file()
    services.membership_create(actor=functional_admin(), user=UserFactory(staff=True), team=team, role="instructor")
    assert not membership_alerts().exists()
