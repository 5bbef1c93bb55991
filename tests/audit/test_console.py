"""The DPO console: only the DPO, filters on indexes, the DPO's own reads logged, CSV export, pinned queries."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from grc.audit.models import AccessLog, Alert, AlertRule, LogVerification
from grc.audit.services import access_log_write, access_log_write_dated
from grc.models import Membership
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, TerritoryFactory, verify_otp

pytestmark = pytest.mark.django_db
A = AccessLog.Action


def _rows(response):
    return response.context["page"].rows


def _mass_export_alert(worker, *, key, citizen=None, summary=""):
    """A mass-export alert on ``worker`` whose evidence is two exports (of ``citizen``, if given)."""
    rows = [access_log_write(actor=worker, action=A.EXPORT, citizen=citizen) for _ in range(2)]
    for r in rows:
        r.refresh_from_db()
    rule = AlertRule.objects.create(kind=AlertRule.Kind.MASS_EXPORT, params={"max_per_day": 2})
    return Alert.objects.create(
        rule=rule,
        subject=worker,
        key=key,
        window_start=timezone.now(),
        window_end=timezone.now(),
        summary=summary,
        evidence=[r.seq for r in rows],
    )


@pytest.fixture
def scene(worker_a, worker_b, team_a, team_b):
    """Reads by two workers of two teams, on two citizens."""
    c1, c2 = CitizenFactory(birth_name="Guillou"), CitizenFactory(birth_name="Quéré")
    now = timezone.now()
    access_log_write_dated(actor=worker_a, action=A.FILE_VIEW, citizen=c1, object_type="grc.citizen", at=now)
    access_log_write_dated(actor=worker_a, action=A.CITIZEN_VIEW, citizen=c2, at=now - datetime.timedelta(days=3))
    access_log_write_dated(
        actor=worker_b, action=A.FILE_VIEW, citizen=c1, purpose="Accès d'urgence : signalement", at=now
    )
    access_log_write_dated(actor=worker_b, action=A.EXPORT, at=now - datetime.timedelta(days=40))
    return c1, c2


@pytest.mark.parametrize(
    "name,args",
    [
        ("dpo_home", []),
        ("dpo_log", []),
        ("dpo_log_export", []),
        ("dpo_alerts", []),
        ("dpo_history", []),
        ("dpo_actor_timeline", ["self"]),
        ("dpo_citizen_readers", [1]),
        ("dpo_history_user", ["self"]),
        ("dpo_history_object", ["grc.citizen", 1]),
    ],
)
def test_every_console_page_is_404_for_anyone_but_the_dpo(client, manager_a, name, args):
    args = [manager_a.pk if a == "self" else a for a in args]
    verify_otp(client, manager_a)
    assert client.get(reverse(f"backoffice:{name}", args=args)).status_code == 404


def test_superuser_without_the_dpo_role_gets_404(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    verify_otp(client, staff_user)
    assert client.get(reverse("backoffice:dpo_log")).status_code == 404


def test_nav_shows_the_console_to_the_dpo_only(dpo_client, client, worker_a):
    assert "Console DPO" in dpo_client.get(reverse("backoffice:home")).content.decode()
    other = verify_otp(client.__class__(), worker_a)
    assert "Console DPO" not in other.get(reverse("backoffice:home")).content.decode()


def test_filters(dpo_client, scene, worker_a, worker_b, team_a, team_b):
    c1, c2 = scene
    url = reverse("backoffice:dpo_log")
    assert {r.citizen_id for r in _rows(dpo_client.get(url, {"citizen": c1.pk}))} == {c1.pk}
    by_actor = _rows(dpo_client.get(url, {"actor": worker_a.email}))
    assert {r.actor_id for r in by_actor} == {worker_a.pk} and len(by_actor) == 2
    assert {r.actor_id for r in _rows(dpo_client.get(url, {"team": team_b.pk}))} == {worker_b.pk}
    assert {r.actor_id for r in _rows(dpo_client.get(url, {"territory": team_a.territory_id}))} == {worker_a.pk}
    assert [r.action for r in _rows(dpo_client.get(url, {"action": A.EXPORT}))] == [A.EXPORT]
    by_purpose = _rows(dpo_client.get(url, {"purpose": "Accès d'urgence"}))
    assert [r.actor_id for r in by_purpose] == [worker_b.pk]
    recent = _rows(dpo_client.get(url, {"since": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()}))
    assert {r.action for r in recent} - {A.DPO_LOG_VIEW} == {A.FILE_VIEW}  # (the DPO's own reads are logged too)
    # The default page (no filter) shows the last 30 days: the 40-day-old export is not on it.
    assert A.EXPORT not in {r.action for r in _rows(dpo_client.get(url))}


def test_team_filter_uses_the_membership_at_the_time_of_the_access(dpo_client, team_a):
    mover = MembershipFactory(team=team_a, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 12, 31))
    other_team = TeamFactory(territory=TerritoryFactory())
    Membership.objects.create(
        user=mover.user, team=other_team, role="social_worker", start_date=datetime.date(2021, 1, 1)
    )
    old = datetime.datetime(2020, 6, 1, 10, tzinfo=datetime.UTC)
    new = datetime.datetime(2021, 6, 1, 10, tzinfo=datetime.UTC)
    access_log_write_dated(actor=mover.user, action=A.FILE_VIEW, citizen=1, at=old)
    access_log_write_dated(actor=mover.user, action=A.FILE_VIEW, citizen=2, at=new)
    url = reverse("backoffice:dpo_log")
    rows = _rows(dpo_client.get(url, {"team": team_a.pk, "since": "2019-01-01"}))
    assert [r.citizen_id for r in rows] == [1]
    rows = _rows(dpo_client.get(url, {"team": other_team.pk, "since": "2019-01-01"}))
    assert [r.citizen_id for r in rows] == [2]


def test_bad_filter_input_gets_a_french_message_and_keeps_what_was_typed(dpo_client):
    response = dpo_client.get(
        reverse("backoffice:dpo_log"), {"actor": "personne@nulle.part", "since": "2026-02-10", "until": "2026-01-01"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Aucun compte ne correspond" in body
    assert "La date de fin doit suivre la date de début" in body
    assert 'value="personne@nulle.part"' in body


def test_keyset_pages_cover_every_row_once(dpo, worker_a):
    from grc.audit import selectors

    at = timezone.now()
    for i in range(7):
        access_log_write_dated(actor=worker_a, action=A.FILE_VIEW, citizen=100 + i, at=at)  # same instant: ties
    seen, cursor = [], ""
    while True:
        page = selectors.access_log_page(
            user=dpo, filters=selectors.LogFilters(actor=worker_a.pk), cursor=cursor, page_size=3
        )
        seen += [r.citizen_id for r in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == list(range(100, 107))


def test_the_dpos_consultations_are_logged(dpo_client, dpo, scene):
    c1, _ = scene
    dpo_client.get(reverse("backoffice:dpo_log"), {"citizen": c1.pk})
    row = AccessLog.objects.filter(actor=dpo, action=A.DPO_LOG_VIEW).get()
    assert row.citizen_id == c1.pk and f"citizen={c1.pk}" in row.purpose
    dpo_client.get(reverse("backoffice:dpo_citizen_readers", args=[c1.pk]))
    assert AccessLog.objects.filter(actor=dpo, action=A.DPO_LOG_VIEW, citizen_id=c1.pk).count() == 2


def test_csv_export_streams_the_filtered_rows_and_is_logged(dpo_client, dpo, scene, worker_b):
    response = dpo_client.get(reverse("backoffice:dpo_log_export"), {"actor": worker_b.pk, "since": "2000-01-01"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("seq,date_utc,agent_id,action")
    assert len(lines) == 3  # header + the two rows of worker B
    assert all(f",{worker_b.pk}," in line for line in lines[1:])
    assert AccessLog.objects.filter(actor=dpo, action=A.DPO_LOG_EXPORT).count() == 1


def test_actor_timeline_and_citizen_readers(dpo_client, scene, worker_a, worker_b):
    c1, _ = scene
    body = dpo_client.get(reverse("backoffice:dpo_actor_timeline", args=[worker_a.pk])).content.decode()
    assert "Consultation du dossier social" in body and "Consultation de la fiche usager" in body
    response = dpo_client.get(reverse("backoffice:dpo_citizen_readers", args=[c1.pk]))
    readers = response.context["readers"]
    assert {r["actor_id"] for r in readers} == {worker_a.pk, worker_b.pk}
    assert all(r["count"] == 1 for r in readers)


def test_the_readers_page_names_the_citizen_by_surname_and_first_first_name(dpo_client):
    citizen = CitizenFactory(birth_name="Rolland", first_names="Camille, Louise")
    body = dpo_client.get(reverse("backoffice:dpo_citizen_readers", args=[citizen.pk])).content.decode()
    assert f"Qui a consulté la fiche ROLLAND Camille (n° {citizen.pk})" in html.unescape(body)


def test_home_shows_the_latest_verification(dpo_client):
    LogVerification.objects.create(
        started_at=timezone.now(), finished_at=timezone.now(), rows_checked=12, ok=False, first_bad_seq=7
    )
    body = dpo_client.get(reverse("backoffice:dpo_home")).content.decode()
    assert "journal altéré" in body and "n° 7" in body


def test_home_counts_the_register_entries_late_due_soon_and_from_portal_accounts(dpo_client, dpo):
    from portal.accounts.services import deletion_request_create
    from privacy.services import gdpr_request_create
    from tests.factories import UserFactory

    today = timezone.localdate()
    for received in (today - datetime.timedelta(days=45), today - datetime.timedelta(days=26), today):
        gdpr_request_create(
            actor=dpo, kind="access", requester_identity="Demandeur", received_on=received, channel="mail"
        )
    deletion_request_create(user=UserFactory(citizen_account=True))

    body = dpo_client.get(reverse("backoffice:dpo_home")).content.decode()
    assert "4 demandes en cours" in body
    assert "1 en retard sur le délai légal" in body and "dépassé le délai légal" in body
    assert "1 à échéance dans les 7 jours" in body
    assert "1 suppression de compte portail" in body


def test_alert_detail_shows_the_rule_and_rows_and_the_dpo_handles_it(dpo_client, dpo, worker_a):
    alert = _mass_export_alert(worker_a, key="day:x", summary="2 export(s)")
    url = reverse("backoffice:dpo_alert", args=[alert.pk])
    response = dpo_client.get(url)
    assert len(response.context["rows"]) == 2
    assert "max_per_day" in response.content.decode()
    # Justifying without a note is refused, with the message next to the field.
    response = dpo_client.post(url, {"status": "justified", "owner": dpo.pk, "note": ""})
    assert "Expliquez la décision" in response.content.decode()
    response = dpo_client.post(
        url, {"status": "justified", "owner": dpo.pk, "note": "Export demandé par la direction"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.owner_id) == ("justified", dpo.pk)
    assert "Export demandé par la direction" in alert.notes
    body = dpo_client.get(url).content.decode()
    assert "statut : Ouverte → Justifiée" in body
    assert AccessLog.objects.filter(actor=dpo, action=A.DPO_ALERT_VIEW).count() >= 2


def test_log_page_query_count_is_pinned(dpo_client, scene, django_assert_num_queries):
    url = reverse("backoffice:dpo_log")
    dpo_client.get(url)
    # session, user, OTP device, roles (with teams), log rows, actors' names, citizens' names, the DPO's own log
    # row, nav, the team and territory choices: constant, whatever the number of rows.
    with django_assert_num_queries(10):
        dpo_client.get(url, {"since": "2000-01-01"})
    for _ in range(20):
        access_log_write(actor=None, action=A.CITIZEN_VIEW, citizen=CitizenFactory().pk)
    with django_assert_num_queries(10):
        dpo_client.get(url, {"since": "2000-01-01"})


def test_alert_list_query_count_is_pinned(dpo_client, worker_a, django_assert_num_queries):
    rule = AlertRule.objects.create(kind=AlertRule.Kind.OFF_HOURS)
    url = reverse("backoffice:dpo_alerts")
    Alert.objects.create(rule=rule, subject=worker_a, key="a", window_start=timezone.now(), window_end=timezone.now())
    dpo_client.get(url)
    with django_assert_num_queries(7):
        dpo_client.get(url)
    for i in range(5):
        Alert.objects.create(
            rule=rule, subject=worker_a, key=f"k{i}", window_start=timezone.now(), window_end=timezone.now()
        )
    with django_assert_num_queries(7):
        dpo_client.get(url)


@pytest.mark.parametrize(
    "params",
    [
        {"citizen": "99999999999999999999999"},
        {"actor": "99999999999999999999999"},
        {"since": "pas une date"},
        {"apres": "n'importe quoi"},
        {"team": "abc"},
    ],
)
def test_garbage_input_never_gives_a_500(dpo_client, params):
    assert dpo_client.get(reverse("backoffice:dpo_log"), params).status_code == 200


def test_csv_export_neutralises_spreadsheet_formulas(dpo_client, worker_a):
    access_log_write(actor=worker_a, action=A.FILE_VIEW, purpose='=HYPERLINK("http://x")')
    response = dpo_client.get(reverse("backoffice:dpo_log_export"), {"actor": worker_a.pk})
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body


def test_readers_and_log_filter_include_reads_of_a_merged_away_record(dpo_client, dpo, worker_a, worker_b):
    from grc.services.merge import citizen_merge

    manager = MembershipFactory(role=Membership.Role.TEAM_MANAGER).user
    source = CitizenFactory(birth_name="Le Goff", birth_date=datetime.date(1980, 3, 2))
    target = CitizenFactory(birth_name="Legoff", birth_date=datetime.date(1980, 3, 2))
    access_log_write(actor=worker_a, action=A.CITIZEN_VIEW, citizen=source, purpose="avant la fusion")
    access_log_write(actor=worker_b, action=A.FILE_VIEW, citizen=target)
    citizen_merge(source=source, target=target, actor=manager, reason="doublon saisi au guichet")

    readers = dpo_client.get(reverse("backoffice:dpo_citizen_readers", args=[target.pk])).context["readers"]
    assert {worker_a.pk, worker_b.pk} <= {r["actor_id"] for r in readers}
    rows = _rows(dpo_client.get(reverse("backoffice:dpo_log"), {"citizen": target.pk, "since": "2000-01-01"}))
    assert {(r.actor_id, r.citizen_id) for r in rows if r.actor_id != dpo.pk} >= {
        (worker_a.pk, source.pk),
        (worker_b.pk, target.pk),
    }
    response = dpo_client.get(reverse("backoffice:dpo_log_export"), {"citizen": target.pk, "since": "2000-01-01"})
    assert "avant la fusion" in b"".join(response.streaming_content).decode()
    # The merged-away record alone still shows only its own reads.
    readers = dpo_client.get(reverse("backoffice:dpo_citizen_readers", args=[source.pk])).context["readers"]
    assert worker_b.pk not in {r["actor_id"] for r in readers}


def test_team_filter_follows_paris_days_not_utc_days(dpo_client, team_a):
    mover = MembershipFactory(team=team_a, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 12, 31))
    other_team = TeamFactory(territory=TerritoryFactory())
    Membership.objects.create(
        user=mover.user, team=other_team, role="social_worker", start_date=datetime.date(2021, 1, 1)
    )
    # 31/12/2020 23:30 UTC is already 1 January 2021, 00:30, in Paris: the new team's first day.
    new_year = datetime.datetime(2020, 12, 31, 23, 30, tzinfo=datetime.UTC)
    # 01/01/2020 00:30 Paris is still 31/12/2019 in UTC: the first day in team A.
    first_day = datetime.datetime(2019, 12, 31, 23, 30, tzinfo=datetime.UTC)
    access_log_write_dated(actor=mover.user, action=A.FILE_VIEW, citizen=1, at=new_year)
    access_log_write_dated(actor=mover.user, action=A.FILE_VIEW, citizen=2, at=first_day)
    url = reverse("backoffice:dpo_log")
    assert [r.citizen_id for r in _rows(dpo_client.get(url, {"team": team_a.pk, "since": "2019-01-01"}))] == [2]
    assert [r.citizen_id for r in _rows(dpo_client.get(url, {"team": other_team.pk, "since": "2019-01-01"}))] == [1]


def test_csv_export_says_on_its_last_line_that_it_was_cut(dpo_client, worker_a, monkeypatch):
    from backoffice.dpo import views as dpo_views

    for i in range(4):
        access_log_write(actor=worker_a, action=A.FILE_VIEW, citizen=200 + i)
    monkeypatch.setattr(dpo_views, "EXPORT_MAX", 3)
    response = dpo_client.get(reverse("backoffice:dpo_log_export"), {"actor": worker_a.pk})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + 3 + 1
    assert lines[-1].startswith("Export tronqué : seules les 3 premières lignes")
    # Exactly at the limit: nothing was left out, no such line.
    monkeypatch.setattr(dpo_views, "EXPORT_MAX", 4)
    response = dpo_client.get(reverse("backoffice:dpo_log_export"), {"actor": worker_a.pk})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + 4 and "tronqué" not in lines[-1]


def test_pages_showing_citizen_names_say_so_in_the_dpos_log_row(dpo_client, dpo, scene, worker_a):
    c1, c2 = scene
    dpo_client.get(reverse("backoffice:dpo_log"), {"actor": worker_a.pk, "since": "2000-01-01"})
    row = AccessLog.objects.filter(actor=dpo, action=A.DPO_LOG_VIEW).latest("seq")
    assert row.citizen_id is None
    assert row.purpose.endswith(f"noms d'usagers affichés : n° {min(c1.pk, c2.pk)}, {max(c1.pk, c2.pk)}")
    dpo_client.get(reverse("backoffice:dpo_actor_timeline", args=[worker_a.pk]))
    row = AccessLog.objects.filter(actor=dpo, action=A.DPO_LOG_VIEW).latest("seq")
    assert "noms d'usagers affichés" in row.purpose
    alert = _mass_export_alert(worker_a, key="day:y", citizen=c1)
    dpo_client.get(reverse("backoffice:dpo_alert", args=[alert.pk]))
    row = AccessLog.objects.filter(actor=dpo, action=A.DPO_ALERT_VIEW).get()
    assert row.purpose == f"alert={alert.pk} ; noms d'usagers affichés : n° {c1.pk}"


def test_the_log_names_what_was_read_in_words(dpo_client, worker_a):
    citizen = CitizenFactory(birth_name="Guillou")
    access_log_write(actor=worker_a, action=A.CITIZEN_VIEW, citizen=citizen, obj=citizen)
    access_log_write(actor=worker_a, action=A.EXPORT, object_type="ancienne.table", object_id=3)
    body = html.unescape(dpo_client.get(reverse("backoffice:dpo_log")).content.decode())
    assert f'<span title="grc.citizen">Usager</span> n° {citizen.pk}' in body
    assert '<span title="ancienne.table">ancienne.table</span> n° 3' in body
