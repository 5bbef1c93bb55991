"""Each anomaly rule fires on a built scenario, stays quiet on ordinary work, and never fires twice."""

import datetime
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from dossier_unique import services as dsu
from dossier_unique.models import SharingGrant
from grc.audit.alerts import detect, ensure_default_rules
from grc.audit.models import AccessLog, Alert, AlertRule
from grc.audit.services import access_log_write
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
    row = access_log_write(actor=user, action=action, citizen=citizen_id, object_type="grc.citizen", at=at)
    row.refresh_from_db(fields=["seq"])
    return row


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
    for i in range(9):
        access_log_write(actor=worker_a, action=A.EXPORT, at=_local(0, 10, i))
    detect()
    assert _alerts(AlertRule.Kind.MASS_EXPORT) == []
    access_log_write(actor=worker_a, action=A.EXPORT, at=_local(0, 10, 30))
    detect()
    (alert,) = _alerts(AlertRule.Kind.MASS_EXPORT, worker_a)
    assert len(alert.evidence) == 10


def test_out_of_scope_fires_for_a_file_of_another_team_and_not_for_ones_own(worker_a, worker_b, followed):
    _only(AlertRule.Kind.OUT_OF_SCOPE)
    citizen_id = followed[0].citizen_id
    _read(worker_a, citizen_id, _local(0, 10))  # team A follows the file: ordinary work
    detect()
    assert _alerts(AlertRule.Kind.OUT_OF_SCOPE) == []
    row = _read(worker_b, citizen_id, _local(0, 11))  # team B (another CDAS) does not
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
    _read(worker_b, file.citizen_id, _local(0, 11))
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


def _day_of_reads(user, day_offset, n, first_citizen=10_000):
    for i in range(n):
        _read(user, first_citizen + i, _local(day_offset, 9) + datetime.timedelta(minutes=3 * i))


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
    assert "60 dossiers" in alert.summary


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
    for i in range(20):
        access_log_write(actor=worker_a, action=A.EXPORT, at=_local(0, 23, i))
    detect()
    assert not Alert.objects.exists()


def test_command_prints_a_summary(worker_a, capsys):
    for i in range(10):
        access_log_write(actor=worker_a, action=A.EXPORT, at=_local(0, 10, i))
    call_command("detect_access_anomalies", verbosity=1)
    out = capsys.readouterr().out
    assert "1 alerte(s) levée(s)" in out
