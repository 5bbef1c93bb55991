"""Outgoing letters with committed transactions: two agents writing at the same moment get consecutive
numbers and a letter rolled back leaves no gap; and the register through a live server and a real HTTP
client (httpx), as the back office's JavaScript or a partner system reads it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from grc.models import Membership
from tests.api_http.conftest import FLUSHABLE_APPS, browser_session, send
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory
from travail import letters_services as services
from travail.models import OutgoingLetter

live = pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)


class Rollback(Exception):
    pass


def _write(agent, team, file, subject="Objet"):
    return services.outgoing_letter_create(actor=agent, team=team, subject=subject, body="Texte", file=file)


def _in_thread(target):
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _world():
    team = TeamFactory(name="Polyvalence — CDAS Fougères")
    agent = UserFactory(staff=True, first_name="Anne", last_name="Le Gall")
    MembershipFactory(user=agent, team=team, role=Membership.Role.SOCIAL_WORKER)
    citizen = CitizenFactory(first_names="Yann", birth_name="Quéré", usage_name="")
    file, _ = open_file(citizen=citizen, team=team, actor=agent)
    return team, agent, file


@live
@pytest.mark.timed_waits
def test_numbers_under_concurrent_writers_and_the_register_over_http(live_server):
    """One transactional world for both (each such test costs a database flush): the numbering with real
    concurrent transactions, then the register read through the live server."""
    team, agent, file = _world()
    _concurrent_writers_get_consecutive_numbers_and_a_rollback_leaves_no_gap(agent, team, file)
    _the_register_over_http(live_server.url, agent, team, file)


def _concurrent_writers_get_consecutive_numbers_and_a_rollback_leaves_no_gap(agent, team, file):
    holding, release, numbers = threading.Event(), threading.Event(), []

    def first_then_rolled_back():
        try:
            with transaction.atomic():
                _write(agent, team, file)
                holding.set()  # number 1 taken, lock held until this transaction ends
                release.wait(10)
                raise Rollback
        except Rollback:
            pass

    def second():
        numbers.append(_write(agent, team, file).number)

    t1 = _in_thread(first_then_rolled_back)
    assert holding.wait(10)
    t2 = _in_thread(second)
    t2.join(0.5)
    assert t2.is_alive(), "the second writer must wait for the first one's transaction"
    release.set()
    t1.join(10)
    t2.join(10)
    assert numbers == [1]  # the rolled-back letter's number went to the next letter: no gap

    start = threading.Barrier(4)
    threads = [_in_thread(lambda: (start.wait(5), numbers.append(_write(agent, team, file).number))) for _ in range(4)]
    for thread in threads:
        thread.join(20)
    year = timezone.localdate().year
    assert sorted(OutgoingLetter.objects.filter(year=year).values_list("number", flat=True)) == [1, 2, 3, 4, 5]


def _the_register_over_http(base_url, agent, team, file):
    letter = _write(agent, team, file, subject="Convocation")
    newcomer = UserFactory(staff=True)  # in the team, in a role that opens no social file
    MembershipFactory(user=newcomer, team=team, role=Membership.Role.MAILROOM_AGENT)
    outsider_team = TeamFactory(name="PMI — Redon")
    MembershipFactory(user=newcomer, team=outsider_team, role=Membership.Role.MAILROOM_AGENT)
    MembershipFactory(team=outsider_team)

    with browser_session(base_url, agent) as client:
        body = send(client, "GET", "/api/v1/outgoing-letters", params={"limit": 1}).json()
        assert [(x["reference"], x["subject"], x["recipient"], x["file_id"]) for x in body["items"]] == [
            (letter.reference, "Convocation", "Yann QUÉRÉ", file.pk)
        ]
        assert body["has_more"] is True
        filtered = send(client, "GET", "/api/v1/outgoing-letters", params={"team_id": team.pk, "q": "rien"})
        assert filtered.json()["items"] == []
        assert send(client, "GET", "/api/v1/outgoing-letters", params={"year": "deux mille"}).status_code == 422
        garbage = send(client, "GET", "/api/v1/outgoing-letters", params={"q": "²", "mine": "true"})
        assert garbage.status_code == 200 and garbage.json()["items"] == []
        # A team the caller is not in: 404, whether or not it has letters.
        other = send(client, "GET", "/api/v1/outgoing-letters", params={"team_id": outsider_team.pk})
        assert other.status_code == 404
    with browser_session(base_url, newcomer) as client:
        rows = send(client, "GET", "/api/v1/outgoing-letters", params={"team_id": team.pk, "q": "Convocation"})
        [row] = rows.json()["items"]
        assert (row["reference"], row["recipient"], row["file_id"]) == (letter.reference, None, None)
        assert "Quéré" not in send(client, "GET", "/api/v1/outgoing-letters").text
