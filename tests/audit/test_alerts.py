"""Each anomaly rule fires on a built scenario, stays quiet on ordinary work, and never fires twice."""

import datetime
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from dossier_unique import services as dsu
from dossier_unique.models import Programme, SharingGrant
from grc.audit import alerts
from grc.audit.alerts import detect, ensure_default_rules
from grc.audit.models import AccessLog, Alert, AlertRule
from grc.audit.services import access_log_write_dated
from grc.models import Address
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory

pytestmark = pytest.mark.django_db
A = AccessLog.Action
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def rules():
    return {r.kind: r for r in ensure_default_rules()}


def _local(day_offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A local (Paris) time ``day_offset`` days from the last Wednesday (a working day)."""
    today = timezone.localdate()
    wednesday = today - datetime.timedelta(days=(today.weekday() - 2) % 7 or 7)
    return datetime.datetime.combine(
        wednesday + datetime.timedelta(days=day_offset), datetime.time(hour, minute), PARIS
    )


def _read(user, citizen_id, at, action=A.FILE_VIEW):
    row = access_log_write_dated(actor=user, action=action, citizen=citizen_id, object_type="grc.citizen", at=at)
    row.refresh_from_db(fields=["seq"])
    return row


def _exports(user, n, hour=10):
    """``n`` exports by ``user`` on the reference day, one a minute from ``hour`` o'clock."""
    for i in range(n):
        access_log_write_dated(actor=user, action=A.EXPORT, at=_local(0, hour, i))


def _transfer(user, transfer_id, people, hour):
    """A transfer to the Archives of ``people`` new citizens: one ``retention.export`` row per person."""
    for i in range(people):
        access_log_write_dated(
            actor=user,
            action=A.RETENTION_EXPORT,
            citizen=CitizenFactory().pk,
            object_type="privacy.retentionexport",
            object_id=transfer_id,
            at=_local(0, hour, i),
        )


def _alerts(kind, user=None):
    qs = Alert.objects.filter(rule__kind=kind)
    if user is not None:
        qs = qs.filter(subject=user)
    return list(qs)


def _only(*kinds):
    """Enable only these rules (each test looks at one rule at a time)."""
    AlertRule.objects.exclude(kind__in=kinds).update(enabled=False)


def test_off_hours_fires_for_night_reads_and_not_for_office_hours(worker_a, followed):
    _only(AlertRule.Kind.OFF_HOURS)
    citizen_id = followed[0].citizen_id
    for h in (9, 11, 14, 17):
        _read(worker_a, citizen_id, _local(0, h))
    detect()
    assert _alerts(AlertRule.Kind.OFF_HOURS) == []

    rows = [_read(worker_a, citizen_id, _local(0, 23, m)) for m in (1, 10, 20)]
    detect()
    (alert,) = _alerts(AlertRule.Kind.OFF_HOURS, worker_a)
    assert sorted(alert.evidence) == sorted(r.seq for r in rows)
    assert "nuit" in alert.summary


def test_off_hours_ignores_an_agent_reading_their_own_record_at_night(worker_a, followed):
    """An agent who is also a citizen reads their own record at home, in the evening: nobody's concern."""
    _only(AlertRule.Kind.OFF_HOURS)
    own = CitizenFactory(user=worker_a)
    for m in range(3):
        _read(worker_a, own.pk, _local(0, 23, m))
    detect()
    assert _alerts(AlertRule.Kind.OFF_HOURS) == []


def test_off_hours_counts_weekend_reads(worker_a, followed):
    _only(AlertRule.Kind.OFF_HOURS)
    for m in range(3):
        _read(worker_a, followed[0].citizen_id, _local(3, 10, m))  # Saturday morning
    detect()
    (alert,) = _alerts(AlertRule.Kind.OFF_HOURS, worker_a)
    assert "week-end" in alert.summary


def test_detection_is_incremental_and_never_raises_twice(worker_a, followed):
    _only(AlertRule.Kind.OFF_HOURS)
    for m in range(3):
        _read(worker_a, followed[0].citizen_id, _local(0, 22, m))
    detect()
    detect()
    (alert,) = _alerts(AlertRule.Kind.OFF_HOURS)
    assert len(alert.evidence) == 3
    # A later read the same night joins the same alert instead of raising a new one.
    late = _read(worker_a, followed[0].citizen_id, _local(0, 23, 30))
    summary = detect()
    (alert,) = _alerts(AlertRule.Kind.OFF_HOURS)
    assert late.seq in alert.evidence and summary.total_raised == 0
    assert AlertRule.objects.get(kind=AlertRule.Kind.OFF_HOURS).last_seq == late.seq


def test_mass_export_fires_above_the_threshold_only(worker_a):
    _only(AlertRule.Kind.MASS_EXPORT)
    _exports(worker_a, 9)
    detect()
    assert _alerts(AlertRule.Kind.MASS_EXPORT) == []
    access_log_write_dated(actor=worker_a, action=A.EXPORT, at=_local(0, 10, 30))
    detect()
    (alert,) = _alerts(AlertRule.Kind.MASS_EXPORT, worker_a)
    assert len(alert.evidence) == 10


def test_out_of_scope_fires_for_a_file_of_another_team_and_not_for_ones_own(worker_a, worker_b, followed):
    _only(AlertRule.Kind.OUT_OF_SCOPE)
    citizen_id = followed[0].citizen_id
    _read(worker_a, citizen_id, timezone.now())  # team A follows the file: ordinary work
    detect()
    assert _alerts(AlertRule.Kind.OUT_OF_SCOPE) == []
    row = _read(worker_b, citizen_id, timezone.now())  # team B (another CDAS) does not
    detect()
    (alert,) = _alerts(AlertRule.Kind.OUT_OF_SCOPE, worker_b)
    assert alert.evidence == [row.seq]


def test_out_of_scope_is_quiet_for_a_shared_file(worker_a, worker_b, team_b, followed):
    _only(AlertRule.Kind.OUT_OF_SCOPE)
    file = followed[0]
    dsu.grant_give(
        file=file,
        actor=worker_a,
        purpose="Évaluation conjointe",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=timezone.now() + datetime.timedelta(days=10),
        grantee_team=team_b,
    )
    _read(worker_b, file.citizen_id, timezone.now())
    detect()
    assert _alerts(AlertRule.Kind.OUT_OF_SCOPE) == []


def test_every_emergency_access_raises_one_alert_with_its_reads(worker_b, followed):
    _only(AlertRule.Kind.EMERGENCY)
    file = followed[0]
    access = dsu.emergency_access_open(file=file, user=worker_b, reason="Signalement urgent de l'école", hours=1)
    row = _read(worker_b, file.citizen_id, timezone.now())
    detect()
    detect()
    (alert,) = _alerts(AlertRule.Kind.EMERGENCY, worker_b)
    assert alert.key == f"emergency:{access.pk}"
    assert row.seq in alert.evidence


def test_no_emergency_no_emergency_alert(worker_a, followed):
    _only(AlertRule.Kind.EMERGENCY)
    _read(worker_a, followed[0].citizen_id, timezone.now())
    detect()
    assert _alerts(AlertRule.Kind.EMERGENCY) == []


def test_same_name_fires_for_a_namesake_and_not_for_other_citizens(team_a):
    _only(AlertRule.Kind.SAME_NAME)
    reader = MembershipFactory(team=team_a, user__last_name="Le Bihan").user
    namesake = CitizenFactory(birth_name="LE BIHAN", first_names="Yvonne")
    stranger = CitizenFactory(birth_name="Martin", first_names="Paul")
    _read(reader, stranger.pk, _local(0, 10), action=A.CITIZEN_VIEW)
    detect()
    assert _alerts(AlertRule.Kind.SAME_NAME) == []
    _read(reader, namesake.pk, _local(0, 10, 5), action=A.CITIZEN_VIEW)
    detect()
    (alert,) = _alerts(AlertRule.Kind.SAME_NAME, reader)
    assert alert.key == f"citizen:{namesake.pk}" and "même nom" in alert.summary


def test_same_address_as_the_readers_own_citizen_record(team_a):
    _only(AlertRule.Kind.SAME_NAME)
    reader = MembershipFactory(team=team_a, user__last_name="Durand").user
    own = CitizenFactory(birth_name="Durand", user=reader)
    AddressFactory(citizen=own, line1="12 rue de la Paix", postcode="35500")
    neighbour = CitizenFactory(birth_name="Morvan")
    AddressFactory(citizen=neighbour, line1="12, Rue de la Paix", postcode="35500")
    other = CitizenFactory(birth_name="Morvan")
    AddressFactory(citizen=other, line1="3 rue de la Gare", postcode="35500")
    assert Address.objects.count() == 3
    _read(reader, other.pk, _local(0, 10), action=A.CITIZEN_VIEW)
    _read(reader, own.pk, _local(0, 10), action=A.CITIZEN_VIEW)  # reading one's own record is not flagged
    detect()
    assert _alerts(AlertRule.Kind.SAME_NAME) == []
    _read(reader, neighbour.pk, _local(0, 11), action=A.CITIZEN_VIEW)
    detect()
    (alert,) = _alerts(AlertRule.Kind.SAME_NAME, reader)
    assert "même adresse" in alert.summary


def _day_of_reads(user, day_offset, n, first_citizen=10_000, action=A.FILE_VIEW):
    for i in range(n):
        _read(user, first_citizen + i, _local(day_offset, 9) + datetime.timedelta(minutes=3 * i), action=action)


def test_volume_against_ones_own_habits(worker_a):
    _only(AlertRule.Kind.VOLUME_SELF)
    for day in range(-14, 0):
        if _local(day, 9).weekday() < 5:
            _day_of_reads(worker_a, day, 8)
    _day_of_reads(worker_a, 0, 9)  # an ordinary day
    detect()
    assert _alerts(AlertRule.Kind.VOLUME_SELF) == []
    _day_of_reads(worker_a, 1, 60)  # the next day: 60 different files
    detect()
    (alert,) = _alerts(AlertRule.Kind.VOLUME_SELF, worker_a)
    assert "60 usagers distincts consultés" in alert.summary


def test_volume_against_the_team(team_a):
    _only(AlertRule.Kind.VOLUME_TEAM)
    members = [MembershipFactory(team=team_a).user for _ in range(4)]
    for k, member in enumerate(members[:3]):
        _day_of_reads(member, 0, 10, first_citizen=20_000 + 100 * k)
    _day_of_reads(members[3], 0, 12, first_citizen=30_000)
    detect()
    assert _alerts(AlertRule.Kind.VOLUME_TEAM) == []
    _day_of_reads(members[3], 0, 50, first_citizen=40_000)
    detect()
    (alert,) = _alerts(AlertRule.Kind.VOLUME_TEAM, members[3])
    assert "médiane de l'équipe : 10" in alert.summary


def test_disabled_rules_do_not_run(worker_a):
    AlertRule.objects.update(enabled=False)
    _exports(worker_a, 20, hour=23)
    detect()
    assert not Alert.objects.exists()


def test_command_prints_a_summary(worker_a, capsys):
    _exports(worker_a, 10)
    call_command("detect_access_anomalies", verbosity=1)
    out = capsys.readouterr().out
    assert "1 alerte(s) levée(s)" in out


# --- one bad rule never stops the others ---------------------------------------------------------


def test_a_bad_stored_threshold_falls_back_to_its_default_and_later_rules_still_run(worker_b, followed):
    _only(AlertRule.Kind.EMERGENCY, AlertRule.Kind.MASS_EXPORT)  # "emergency" runs before "mass_export"
    AlertRule.objects.filter(kind=AlertRule.Kind.EMERGENCY).update(params={"lookback_days": "30"})
    dsu.emergency_access_open(file=followed[0], user=worker_b, reason="Signalement urgent de l'école", hours=1)
    _exports(worker_b, 10)
    detect()
    assert len(_alerts(AlertRule.Kind.EMERGENCY, worker_b)) == 1  # the default 30 days was used
    assert len(_alerts(AlertRule.Kind.MASS_EXPORT, worker_b)) == 1
    rule = AlertRule.objects.get(kind=AlertRule.Kind.EMERGENCY)
    assert rule.last_run_ok is True and rule.last_run_at is not None
    assert "valeur par défaut 30 utilisée" in rule.last_run_message


def test_a_failing_rule_is_recorded_logged_without_personal_data_and_the_others_still_run(
    worker_b, monkeypatch, caplog
):
    _only(AlertRule.Kind.EMERGENCY, AlertRule.Kind.MASS_EXPORT)

    def broken(rule, lo, hi, summary):
        Alert.objects.create(  # written, then rolled back with the failed rule
            rule=rule, subject=worker_b, key="partial", window_start=timezone.now(), window_end=timezone.now()
        )
        raise RuntimeError("Yvonne Le Bihan, née le 02/03/1980")

    monkeypatch.setitem(alerts.DETECTORS, AlertRule.Kind.EMERGENCY, broken)
    _exports(worker_b, 10)
    with caplog.at_level("ERROR", logger="grc.audit.alerts"):
        summary = detect()
    assert len(_alerts(AlertRule.Kind.MASS_EXPORT, worker_b)) == 1
    assert _alerts(AlertRule.Kind.EMERGENCY) == []
    assert summary.failed == {"emergency": "RuntimeError"}
    rule = AlertRule.objects.get(kind=AlertRule.Kind.EMERGENCY)
    assert rule.last_run_ok is False and "RuntimeError" in rule.last_run_message
    assert rule.last_seq == 0  # its rows are analysed again next time
    assert "emergency" in caplog.text and "RuntimeError" in caplog.text
    assert "Le Bihan" not in caplog.text and "Le Bihan" not in rule.last_run_message
    monkeypatch.undo()
    detect()
    rule.refresh_from_db()
    assert rule.last_run_ok is True and rule.last_seq > 0


# --- scope at the time of the read ---------------------------------------------------------------


def test_out_of_scope_after_a_grant_was_revoked_or_expired(worker_a, worker_b, team_b, followed):
    _only(AlertRule.Kind.OUT_OF_SCOPE)
    file = followed[0]
    grant = dsu.grant_give(
        file=file,
        actor=worker_a,
        purpose="Évaluation conjointe",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=timezone.now() + datetime.timedelta(days=10),
        grantee_team=team_b,
    )
    _read(worker_b, file.citizen_id, timezone.now())  # while the grant is valid
    detect()
    assert _alerts(AlertRule.Kind.OUT_OF_SCOPE) == []
    after_expiry = _read(worker_b, file.citizen_id, grant.expires_at + datetime.timedelta(hours=1))
    detect()
    (alert,) = _alerts(AlertRule.Kind.OUT_OF_SCOPE, worker_b)
    assert alert.evidence == [after_expiry.seq]

    Alert.objects.all().delete()
    dsu.grant_revoke(grant=grant, actor=worker_a)
    after_revocation = _read(worker_b, file.citizen_id, timezone.now())
    detect()
    (alert,) = _alerts(AlertRule.Kind.OUT_OF_SCOPE, worker_b)
    assert alert.evidence == [after_revocation.seq]


def test_out_of_scope_after_the_accompaniment_closed(citizen, team_a, worker_a):
    _only(AlertRule.Kind.OUT_OF_SCOPE)
    closing_day = _local(0, 10).date()
    file = dsu.social_file_get_or_create(citizen=citizen, actor=worker_a)
    accompaniment = dsu.accompaniment_open(
        file=file,
        programme=Programme.PMI,
        team=team_a,
        actor=worker_a,
        start_date=closing_day - datetime.timedelta(days=30),
    )
    dsu.accompaniment_close(accompaniment=accompaniment, reason="Fin de suivi", actor=worker_a, end_date=closing_day)
    _read(worker_a, citizen.pk, _local(-3, 10))  # while it was open
    _read(worker_a, citizen.pk, _local(0, 16))  # the day it closed
    detect()
    assert _alerts(AlertRule.Kind.OUT_OF_SCOPE) == []
    later = _read(worker_a, citizen.pk, _local(1, 10))
    detect()
    (alert,) = _alerts(AlertRule.Kind.OUT_OF_SCOPE, worker_a)
    assert alert.evidence == [later.seq]


def test_out_of_scope_after_leaving_the_team_or_after_an_emergency_access_ended(team_a, worker_b, followed):
    _only(AlertRule.Kind.OUT_OF_SCOPE)
    citizen_id = followed[0].citizen_id
    leaver = MembershipFactory(team=team_a, end_date=timezone.localdate()).user
    _read(leaver, citizen_id, timezone.now())  # still in the team today
    access = dsu.emergency_access_open(
        file=followed[0], user=worker_b, reason="Signalement urgent de la crèche", hours=1
    )
    _read(worker_b, citizen_id, timezone.now())  # during the emergency access
    detect()
    assert _alerts(AlertRule.Kind.OUT_OF_SCOPE) == []
    after_leaving = _read(leaver, citizen_id, timezone.now() + datetime.timedelta(days=1))
    after_emergency = _read(worker_b, citizen_id, access.expires_at + datetime.timedelta(minutes=5))
    detect()
    assert _alerts(AlertRule.Kind.OUT_OF_SCOPE, leaver)[0].evidence == [after_leaving.seq]
    assert _alerts(AlertRule.Kind.OUT_OF_SCOPE, worker_b)[0].evidence == [after_emergency.seq]


# --- volume counts every read of a person's data ---------------------------------------------------


def _usual_weeks(user):
    for day in range(-14, 0):
        if _local(day, 9).weekday() < 5:
            _day_of_reads(user, day, 8)


@pytest.mark.parametrize(
    "action",
    [
        A.CITIZEN_VIEW,  # an instructor going through citizen records
        A.CITIZEN_HISTORY_VIEW,
        A.REQUEST_VIEW,  # requests and their attachments
        A.REQUEST_ATTACHMENT_DOWNLOAD,
        A.MAIL_VIEW,  # the mailroom
        A.MAIL_SCAN_VIEW,
        A.API_READ,  # through the API
    ],
)
def test_volume_counts_reads_of_people_beyond_social_files(worker_a, action):
    _only(AlertRule.Kind.VOLUME_SELF)
    _usual_weeks(worker_a)
    _day_of_reads(worker_a, 0, 60, first_citizen=50_000, action=action)
    detect()
    (alert,) = _alerts(AlertRule.Kind.VOLUME_SELF, worker_a)
    assert "60 usagers distincts" in alert.summary
    assert AccessLog.objects.filter(seq__in=alert.evidence, action=action).count() == 60


@pytest.mark.parametrize("action", [A.CITIZEN_MATCH, A.CITIZEN_SEARCH])
def test_volume_ignores_identity_matching_and_searches(worker_a, action):
    _only(AlertRule.Kind.VOLUME_SELF, AlertRule.Kind.VOLUME_TEAM)
    _usual_weeks(worker_a)
    _day_of_reads(worker_a, 0, 60, first_citizen=50_000, action=action)
    detect()
    assert Alert.objects.count() == 0


def test_volume_against_the_team_counts_the_mailroom(team_a):
    _only(AlertRule.Kind.VOLUME_TEAM)
    members = [MembershipFactory(team=team_a).user for _ in range(4)]
    for k, member in enumerate(members[:3]):
        _day_of_reads(member, 0, 10, first_citizen=20_000 + 100 * k, action=A.MAIL_VIEW)
    _day_of_reads(members[3], 0, 50, first_citizen=40_000, action=A.MAIL_VIEW)
    detect()
    (alert,) = _alerts(AlertRule.Kind.VOLUME_TEAM, members[3])
    assert "médiane de l'équipe : 10" in alert.summary


# --- exports: never a citizen's own data; volume as well as count ----------------------------------


def test_a_citizen_downloading_their_own_data_is_never_an_alert(citizen_user, worker_a):
    _only(AlertRule.Kind.MASS_EXPORT)
    own = CitizenFactory(user=citizen_user)
    agent_own = CitizenFactory(user=worker_a)  # an agent who is also a citizen, on the portal
    for i in range(12):
        access_log_write_dated(actor=citizen_user, action=A.CITIZEN_DATA_DOWNLOAD, citizen=own, at=_local(0, 10, i))
        access_log_write_dated(actor=worker_a, action=A.CITIZEN_DATA_DOWNLOAD, citizen=agent_own, at=_local(0, 10, i))
    detect()
    assert _alerts(AlertRule.Kind.MASS_EXPORT) == []


def test_mass_export_sees_the_volume_of_one_transfer_not_its_rows(dpo):
    _only(AlertRule.Kind.MASS_EXPORT)
    AlertRule.objects.filter(kind=AlertRule.Kind.MASS_EXPORT).update(
        params={"max_per_day": 10, "max_items_per_day": 50}
    )
    # One transfer to the Archives of 20 people: one export, 20 people (under both thresholds).
    _transfer(dpo, 1, 20, hour=9)
    detect()
    assert _alerts(AlertRule.Kind.MASS_EXPORT) == []
    # A second transfer the same day brings the day to 2 exports of 55 people: over the volume.
    _transfer(dpo, 2, 35, hour=11)
    detect()
    (alert,) = _alerts(AlertRule.Kind.MASS_EXPORT, dpo)
    assert "2 export(s)" in alert.summary and "55 personne(s)" in alert.summary
    assert len(alert.evidence) == 55


def test_off_hours_night_within_one_day_is_not_every_hour(worker_a, followed):
    _only(AlertRule.Kind.OFF_HOURS)
    AlertRule.objects.filter(kind=AlertRule.Kind.OFF_HOURS).update(
        params={"night_start": 0, "night_end": 6, "weekends": False, "min_rows": 3}
    )
    for m in range(3):
        _read(worker_a, followed[0].citizen_id, _local(0, 10, m))
    detect()
    assert _alerts(AlertRule.Kind.OFF_HOURS) == []
    for m in range(3):
        _read(worker_a, followed[0].citizen_id, _local(0, 3, m))
    detect()
    (alert,) = _alerts(AlertRule.Kind.OFF_HOURS, worker_a)
    assert len(alert.evidence) == 3
