import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from dossier_unique import perms, selectors, services, tasks
from dossier_unique.models import (
    EmergencyAccess,
    Programme,
    SharingGrant,
    SocialFileGroupObjectPermission,
    SocialFileUserObjectPermission,
)
from grc.audit.models import AccessLog
from grc.models import Membership
from tests.dossier_unique.factories import in_days, open_file, social_worker
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


def visible_ids(user):
    return set(selectors.files_for(user=user).values_list("pk", flat=True))


def test_opening_an_accompaniment_grants_its_team(followed, colleague_a, worker_b):
    file, _ = followed
    assert selectors.file_get(user=colleague_a, pk=file.pk) == file
    assert visible_ids(colleague_a) == {file.pk}
    assert perms.can_view_file(colleague_a, file)


def test_colleague_from_another_cdas_gets_404(followed, worker_b):
    file, _ = followed
    with pytest.raises(Http404):
        selectors.file_get(user=worker_b, pk=file.pk)
    assert visible_ids(worker_b) == set()
    assert not perms.can_view_file(worker_b, file)
    with pytest.raises(Http404):
        selectors.timeline_for(user=worker_b, file=file)


def test_a_newcomer_sees_the_teams_files_and_a_leaver_stops(followed, team_a):
    file, _ = followed
    newcomer = social_worker(team_a)
    assert visible_ids(newcomer) == {file.pk}
    leaving = Membership.objects.get(user=newcomer)
    leaving.end_date = timezone.localdate() - datetime.timedelta(days=1)
    leaving.start_date = leaving.end_date
    leaving.save()
    assert visible_ids(newcomer) == set()


def test_closing_removes_the_teams_access(followed, colleague_a, worker_a):
    file, accompaniment = followed
    services.accompaniment_close(accompaniment=accompaniment, reason="Objectifs atteints", actor=worker_a)
    assert visible_ids(colleague_a) == set()
    assert visible_ids(worker_a) == set()  # the referent too
    assert not SocialFileGroupObjectPermission.objects.filter(content_object=file).exists()


def test_closing_keeps_access_justified_by_another_accompaniment(followed, team_a, worker_a, colleague_a):
    file, accompaniment = followed
    services.accompaniment_open(file=file, programme=Programme.RSA, team=team_a, actor=worker_a)
    services.accompaniment_close(accompaniment=accompaniment, reason="Fin du suivi PMI", actor=worker_a)
    assert visible_ids(colleague_a) == {file.pk}


def test_closing_needs_a_reason_and_a_team_member(followed, worker_a, worker_b):
    _, accompaniment = followed
    with pytest.raises(PermissionDenied):
        services.accompaniment_close(accompaniment=accompaniment, reason="x", actor=worker_b)
    with pytest.raises(ValidationError):
        services.accompaniment_close(accompaniment=accompaniment, reason="  ", actor=worker_a)


def test_opening_needs_membership_of_the_team(citizen, team_a, worker_b, worker_a):
    file = services.social_file_get_or_create(citizen=citizen, actor=worker_b)
    with pytest.raises(PermissionDenied):
        services.accompaniment_open(file=file, programme=Programme.RSA, team=team_a, actor=worker_b)
    services.accompaniment_open(file=file, programme=Programme.RSA, team=team_a, actor=worker_a)
    with pytest.raises(ValidationError):
        services.accompaniment_open(file=file, programme=Programme.RSA, team=team_a, actor=worker_a)


def test_transfer_moves_access_to_the_new_team(followed, team_b, worker_a, worker_b, colleague_a):
    file, accompaniment = followed
    services.accompaniment_transfer(accompaniment=accompaniment, team=team_b, reason="Déménagement", actor=worker_a)
    assert visible_ids(worker_b) == {file.pk}
    assert visible_ids(colleague_a) == set()
    assert visible_ids(worker_a) == set()  # no longer referent


def test_member_add_and_end(followed, manager_a, worker_b):
    file, _ = followed
    member = services.member_add(file=file, user=worker_b, role="Psychologue", actor=manager_a)
    assert visible_ids(worker_b) == {file.pk}
    services.member_end(member=member, actor=manager_a)
    assert visible_ids(worker_b) == set()


def test_only_a_manager_or_the_referent_adds_members(followed, colleague_a, worker_a, worker_b):
    file, _ = followed
    with pytest.raises(PermissionDenied):
        services.member_add(file=file, user=worker_b, role="Psychologue", actor=colleague_a)
    services.member_add(file=file, user=worker_b, role="Psychologue", actor=worker_a)  # the referent


def test_grant_to_a_team_gives_access_until_expiry(followed, worker_a, team_b, worker_b):
    file, _ = followed
    grant = services.grant_give(
        file=file,
        actor=worker_a,
        grantee_team=team_b,
        purpose="Évaluation conjointe d'une information préoccupante",
        legal_basis=SharingGrant.LegalBasis.L226_2_2,
        family_informed=True,
        expires_at=in_days(30),
    )
    assert visible_ids(worker_b) == {file.pk}
    assert services.expire_grants_and_emergency_accesses(now=in_days(10)) == {"grants": 0, "emergency_accesses": 0}
    assert visible_ids(worker_b) == {file.pk}
    assert services.expire_grants_and_emergency_accesses(now=in_days(31)) == {"grants": 1, "emergency_accesses": 0}
    assert visible_ids(worker_b) == set()
    grant.refresh_from_db()
    assert grant.expired_at is not None


def test_grant_stops_working_at_its_expiry_before_the_job_runs(followed, worker_a, team_b, worker_b):
    file, _ = followed
    grant = services.grant_give(
        file=file,
        actor=worker_a,
        grantee_team=team_b,
        purpose="Évaluation conjointe d'une information préoccupante",
        legal_basis=SharingGrant.LegalBasis.L226_2_2,
        family_informed=True,
        expires_at=in_days(30),
    )
    assert selectors.file_get(user=worker_b, pk=file.pk) == file
    # The clock reaches the expiry; nobody has run expire_file_access yet.
    now = timezone.now()
    SharingGrant.objects.filter(pk=grant.pk).update(
        granted_at=now - datetime.timedelta(days=30), expires_at=now - datetime.timedelta(seconds=1)
    )
    with pytest.raises(Http404):
        selectors.file_get(user=worker_b, pk=file.pk)
    grant.refresh_from_db()
    assert grant.expired_at is not None


def test_grant_to_a_person_and_revocation(followed, manager_a, worker_b):
    file, _ = followed
    grant = services.grant_give(
        file=file,
        actor=manager_a,
        grantee_user=worker_b,
        purpose="Instruction FSL",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=False,
        family_not_informed_reason="Personne injoignable, urgence logement",
        expires_at=in_days(7),
    )
    assert visible_ids(worker_b) == {file.pk}
    services.grant_revoke(grant=grant, actor=manager_a)
    assert visible_ids(worker_b) == set()


def test_grant_rules(followed, worker_a, colleague_a, team_b):
    file, _ = followed
    base = {
        "file": file,
        "purpose": "Suivi conjoint",
        "legal_basis": SharingGrant.LegalBasis.L121_6_2,
        "expires_at": in_days(7),
    }
    with pytest.raises(PermissionDenied):
        services.grant_give(actor=colleague_a, grantee_team=team_b, family_informed=True, **base)
    with pytest.raises(ValidationError) as error:
        services.grant_give(actor=worker_a, grantee_team=team_b, family_informed=False, **base)
    assert "famille" in str(error.value)
    with pytest.raises(ValidationError):
        services.grant_give(actor=worker_a, family_informed=True, **base)  # no grantee
    with pytest.raises(ValidationError):
        services.grant_give(
            actor=worker_a, grantee_team=team_b, family_informed=True, **{**base, "expires_at": in_days(-1)}
        )


def test_expiry_command_and_task(followed, worker_a, worker_b, capsys):
    file, _ = followed
    services.grant_give(
        file=file,
        actor=worker_a,
        grantee_user=worker_b,
        purpose="Suivi conjoint",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=in_days(1),
    )
    SharingGrant.objects.update(
        granted_at=timezone.now() - datetime.timedelta(minutes=2),
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    call_command("expire_file_access")
    assert "1 partage(s)" in capsys.readouterr().out
    assert visible_ids(worker_b) == set()
    result = tasks.expire_file_access.enqueue().return_value
    assert result == {"grants": 0, "emergency_accesses": 0, "team_groups": 1}


# --- emergency access --------------------------------------------------------------------------

REASON = "Appel du SAMU : personne hospitalisée, besoin des contacts familiaux"


def test_emergency_access_requires_a_reason(followed, worker_b):
    file, _ = followed
    with pytest.raises(ValidationError) as error:
        services.emergency_access_open(file=file, user=worker_b, reason="urgent")
    assert "caractères" in str(error.value)
    assert visible_ids(worker_b) == set()


def test_emergency_access_duration_is_capped(followed, worker_b, settings):
    file, _ = followed
    with pytest.raises(ValidationError):
        services.emergency_access_open(file=file, user=worker_b, reason=REASON, hours=5)
    settings.EMERGENCY_ACCESS_MAX_HOURS = 2
    with pytest.raises(ValidationError):
        services.emergency_access_open(file=file, user=worker_b, reason=REASON, hours=3)
    access = services.emergency_access_open(file=file, user=worker_b, reason=REASON)
    assert access.expires_at - access.started_at == datetime.timedelta(hours=2)


def test_emergency_access_gives_access_then_expires(followed, worker_b):
    file, _ = followed
    services.emergency_access_open(file=file, user=worker_b, reason=REASON, hours=1)
    assert selectors.file_get(user=worker_b, pk=file.pk) == file
    row = AccessLog.objects.get(actor=worker_b, citizen_id=file.citizen_id)
    assert row.purpose.startswith("accès d'urgence : Appel du SAMU")
    summary = services.expire_grants_and_emergency_accesses(now=timezone.now() + datetime.timedelta(hours=2))
    assert summary == {"grants": 0, "emergency_accesses": 1}
    assert visible_ids(worker_b) == set()
    assert EmergencyAccess.objects.get().ended_at is not None


def test_emergency_access_is_an_alert_for_the_dpo(followed, worker_b):
    file, _ = followed
    access = services.emergency_access_open(file=file, user=worker_b, reason=REASON)
    dpo = MembershipFactory(role=Membership.Role.DPO, team=TeamFactory(kind="dpo")).user
    assert list(selectors.emergency_accesses_to_review(user=dpo)) == [access]
    with pytest.raises(Http404):
        selectors.emergency_accesses_to_review(user=worker_b)
    services.emergency_access_review(access=access, actor=dpo, comment="Justifié")
    assert list(selectors.emergency_accesses_to_review(user=dpo)) == []


@pytest.mark.parametrize("role", [Membership.Role.MAILROOM_AGENT, Membership.Role.DPO])
def test_mailroom_agent_and_dpo_see_no_file_content(followed, team_a, worker_a, role):
    file, _ = followed
    user = MembershipFactory(team=team_a, role=role).user
    # Even a wrongly given grant opens nothing to them.
    services.grant_give(
        file=file,
        actor=worker_a,
        grantee_user=user,
        purpose="erreur de saisie",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=in_days(7),
    )
    assert SocialFileUserObjectPermission.objects.filter(user=user).exists()
    assert visible_ids(user) == set()
    assert not perms.can_view_file(user, file)
    with pytest.raises(Http404):
        selectors.file_get(user=user, pk=file.pk)
    with pytest.raises(PermissionDenied):
        services.emergency_access_open(file=file, user=user, reason=REASON)


def test_a_citizen_account_sees_nothing(followed, citizen_user):
    file, _ = followed
    assert visible_ids(citizen_user) == set()
    with pytest.raises(Http404):
        selectors.file_get(user=citizen_user, pk=file.pk)


def test_files_for_is_one_query_whatever_the_number_of_files(team_a, worker_a, django_assert_num_queries):
    # Two queries: whether any grant or emergency access is due to end, then the files.
    for _ in range(3):
        open_file(citizen=CitizenFactory(), team=team_a, actor=worker_a, referent=worker_a)
    with django_assert_num_queries(2):
        assert len(list(selectors.files_for(user=worker_a))) == 3
    for _ in range(7):
        file, _ = open_file(
            citizen=CitizenFactory(), team=team_a, actor=worker_a, programme=Programme.RSA, referent=worker_a
        )
        services.member_add(file=file, user=worker_a, role="Référente RSA", actor=worker_a)
    with django_assert_num_queries(2):
        files = list(selectors.files_for(user=worker_a))
        assert len(files) == 10
        assert all(f.citizen.birth_name for f in files)


def test_guardian_agrees_with_the_rules_once_groups_are_mirrored(colleague_a, followed, team_a, worker_b):
    file, _ = followed
    assert colleague_a.has_perm("dossier_unique.view_socialfile", file)
    assert not worker_b.has_perm("dossier_unique.view_socialfile", file)
    newcomer = social_worker(team_a)
    assert visible_ids(newcomer) == {file.pk}  # the rules read grc.Membership at once
    tasks.expire_file_access.enqueue()
    assert newcomer.has_perm("dossier_unique.view_socialfile", file)


def test_permission_rows_record_who_granted_and_who_took_back(followed, worker_a):
    file, accompaniment = followed
    services.accompaniment_close(accompaniment=accompaniment, reason="Fin", actor=worker_a)
    history = SocialFileGroupObjectPermission.history.filter(content_object_id=file.pk).order_by("history_date")
    assert [(h.history_type, h.history_user) for h in history] == [("+", worker_a), ("-", worker_a)]
