""" "Ma journée" at scale: the back-office home's server time for an agent with 3,000 files and 500 tasks
(a benchmark, not a test).

Runs against its own database (``grc_bench_travail`` on the embedded server, migrated here). Loads, unless
already there, with bulk inserts (no history rows: reads never touch history):

- the demo organisation and staff (``demo.organisation``, ``demo.accounts``); the bench agent is ``ts.vitre``
  of the Vitré social-action team;
- ``--files`` (3,000) citizens with a social file followed by that team (the team's guardian row, as
  ``accompaniment_open`` writes it) and one request each in the team's queue: a third assigned to the agent
  and waiting for them, one in ten of those with an unread citizen message; plus ``--other-requests``
  (30,000) in the other teams' queues;
- ``--tasks`` (500) open tasks of the agent (a third overdue, some due today), 200 for the team,
  ``--other-tasks`` (20,000) of other agents and teams, 1,000 done ones of the agent;
- 300 routed letters in the team's bannette, 1,000 notifications of the agent.

Then times ``GET /backoffice/`` as the agent with a verified 2FA session through ``django.test.Client``
(every middleware, the template, the access-log row), and the **baseline** in the same run: the home page
as it was before "Ma journée" (a search box and the duplicates card), served by the same URL and client.

    .venv/bin/python bench/travail.py
    .venv/bin/python bench/travail.py --requests 300
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Forced, not defaulted: the bench must never load its rows into the dev database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench_travail"
os.environ.setdefault("GRC_DATABASE_ROLE", "owner")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.utils import timezone  # noqa: E402

from backoffice.home import urls as home_urls  # noqa: E402
from bench.common import describe, timed, verified_client  # noqa: E402
from demandes import services as request_services  # noqa: E402
from demandes.models import Request, RequestMessage  # noqa: E402
from demandes.selectors import team_agents  # noqa: E402
from demo import accounts, data, organisation  # noqa: E402
from demo.records import Counts  # noqa: E402
from dossier_unique import services as file_services  # noqa: E402
from dossier_unique.models import Accompaniment, SocialFile, SocialFileGroupObjectPermission  # noqa: E402
from grc.models import Citizen, Team, User  # noqa: E402
from mail.models import MailItem  # noqa: E402
from travail import bulk  # noqa: E402
from travail.models import BulkJob, Notification, Task  # noqa: E402

BENCH_TEAM = "asp-cdas-vitre"
BENCH_USER = f"ts.vitre@{data.DEMO_EMAIL_DOMAIN}"
S = Request.Status

# The home page before "Ma journée" (templates/backoffice/home.html at the commit before travail), the baseline.
BEFORE = """{% extends "backoffice/base.html" %}{% load i18n backoffice_identity %}
{% block content %}<h1>Back-office</h1>
{% can_search_citizens as home_can_search %}{% open_suspicion_count as open_suspicions %}
<div class="dashboard">{% if home_can_search %}<section class="dashboard-card"><form method="get"
action="{% url 'backoffice:citizen_search' %}" role="search"><input type="search" name="q"></form></section>{% endif %}
{% include "backoffice/accueil/_home_card.html" %}
{% if open_suspicions is not None %}<p>{{ open_suspicions }}</p>{% endif %}</div>{% endblock %}"""


def ensure_organisation() -> tuple[User, Team]:
    counts = Counts()
    actor = accounts.system_account()
    organisation.seed_organisation(actor=actor, counts=counts)
    if not User.objects.filter(email=BENCH_USER).exists():
        accounts.seed_staff(actor=actor, password=data.DEFAULT_PASSWORD, counts=counts)
    return User.objects.get(email=BENCH_USER), Team.objects.get(code=BENCH_TEAM)


def _request(i: int, *, team_id: int, status: str, assigned_to_id=None, citizen_id=None, today) -> Request:
    submitted = timezone.now() - datetime.timedelta(days=i % 60)
    return Request(
        tracking_code=f"D-BENCH-{team_id}-{i:07d}",
        procedure_title=("Aide financière", "FSL", "Transport scolaire adapté")[i % 3],
        citizen_id=citizen_id,
        status=status,
        team_id=team_id,
        assigned_to_id=assigned_to_id,
        due_date=today + datetime.timedelta(days=(i % 40) - 10),
        submitted_at=submitted,
    )


def load_files_and_requests(user: User, team: Team, count: int, others: int) -> None:
    """``count`` citizens with a file followed by ``team`` and a request each; ``others`` requests elsewhere."""
    if SocialFile.objects.count() >= count:
        print(f"{SocialFile.objects.count():,} files already in grc_bench_travail")
        return
    today = timezone.localdate()
    citizens = Citizen.objects.bulk_create(
        Citizen(birth_name=f"Bench{i:05d}", first_names="Camille", birth_date=datetime.date(1980, 1, 1 + i % 28))
        for i in range(count)
    )
    files = SocialFile.objects.bulk_create(SocialFile(citizen=c) for c in citizens)
    Accompaniment.objects.bulk_create(
        Accompaniment(file=f, programme="aide_financiere", team=team, start_date=today) for f in files
    )
    group, permission = file_services.team_group(team=team), file_services.access._view_permission()
    SocialFileGroupObjectPermission.objects.bulk_create(
        SocialFileGroupObjectPermission(group=group, permission=permission, content_object=f) for f in files
    )
    statuses = [S.SUBMITTED, S.IN_REVIEW, S.AWAITING_CITIZEN, S.ACCEPTED]
    rows = []
    for i, citizen in enumerate(citizens):
        mine = i % 3 == 0
        status = S.IN_REVIEW if mine else statuses[i % 4]
        rows.append(_request(i, team_id=team.pk, status=status, assigned_to_id=user.pk if mine else None,
                             citizen_id=citizen.pk, today=today))  # fmt: skip
    mine_requests = Request.objects.bulk_create(rows)
    RequestMessage.objects.bulk_create(
        RequestMessage(request=r, from_citizen=True, body="Bonjour") for r in mine_requests[::30]
    )
    other_teams = list(Team.objects.exclude(pk=team.pk).values_list("pk", flat=True))
    Request.objects.bulk_create(
        (_request(i, team_id=other_teams[i % len(other_teams)], status=statuses[i % 4], today=today)
         for i in range(others)),
        batch_size=5000,
    )  # fmt: skip
    print(f"loaded {count:,} files and requests for {team}, {others:,} requests elsewhere")


def load_work(user: User, team: Team, tasks: int, other_tasks: int) -> None:
    """The agent's tasks, their team's, other people's; letters in the bannette; notifications."""
    if Task.objects.filter(assignee=user).exists():
        return
    today = timezone.localdate()
    rng = random.Random(18)
    staff = list(User.objects.filter(is_staff=True).exclude(pk=user.pk).values_list("pk", flat=True))
    other_teams = list(Team.objects.exclude(pk=team.pk).values_list("pk", flat=True))

    def due(i):
        return None if i % 7 == 0 else today + datetime.timedelta(days=(i % 30) - 10)

    rows = [Task(title=f"Tâche {i}", assignee=user, due_date=due(i)) for i in range(tasks)]
    rows += [Task(title=f"Équipe {i}", team=team, due_date=due(i)) for i in range(200)]
    rows += [Task(title=f"Faite {i}", assignee=user, done_at=timezone.now(), done_by=user) for i in range(1000)]
    rows += [
        Task(title=f"Autre {i}", assignee_id=rng.choice(staff), due_date=due(i))
        if i % 2
        else Task(title=f"Autre {i}", team_id=rng.choice(other_teams), due_date=due(i))
        for i in range(other_tasks)
    ]
    Task.objects.bulk_create(rows, batch_size=5000)
    year = today.year
    MailItem.objects.bulk_create(
        MailItem(
            registration_number=f"{year}-B-{i:06d}", year=year, number=900000 + i, original="bench/none.pdf",
            original_name="scan.pdf", content_type="application/pdf", size=1, sha256=f"{i:064d}",
            uploaded_by=user, status=MailItem.Status.ROUTED, team=team, due_date=due(i),
            assigned_to=user if i % 4 == 0 else None,
        )
        for i in range(300)
    )  # fmt: skip
    Notification.objects.bulk_create(
        Notification(recipient=user, kind=Notification.Kind.CITIZEN_REPLIED, url="/backoffice/", read_at=None)
        for _ in range(1000)
    )
    print(f"loaded {len(rows):,} tasks, 300 letters, 1,000 notifications")


def _before(request):
    """The home page as it was before "Ma journée" (the baseline)."""
    return HttpResponse(engines["django"].from_string(BEFORE).render({}, request))


def measure(client, n: int) -> tuple[list[float], int]:
    def get(_i):
        response = client.get("/backoffice/")
        assert response.status_code == 200, response.status_code
        response.content  # noqa: B018 -- rendered fully

    for _ in range(5):
        get(0)
    settings.DEBUG = True
    reset_queries()
    get(0)
    queries = len(connection.queries)
    settings.DEBUG = False
    return timed(get, n), queries


def measure_bulk(user: User, team: Team, rows: int) -> tuple[float, float, int]:
    """Seconds of the worker's run of a bulk assignment of ``rows`` requests (``bulk.bulk_job_run``), and of the
    baseline: the same assignments one by one through ``request_assign`` in a loop (what the agent would do
    from the instruction screen, less the pages). Both are put back afterwards (the bench can run again)."""
    codes = list(
        Request.objects.filter(team=team, status=S.IN_REVIEW, assigned_to=user)
        .order_by("pk")
        .values_list("tracking_code", flat=True)[:rows]
    )
    taker = next((a for a in team_agents(team_id=team.pk) if a.pk != user.pk), None)
    job = BulkJob.objects.create(actor=user, team=team, action=BulkJob.Action.ASSIGN, assignee=taker, codes=codes,
                                 total=len(codes))  # fmt: skip
    started = time.perf_counter()
    job = bulk.bulk_job_run(job_id=job.pk)
    job_seconds = time.perf_counter() - started
    refused = sum(1 for row in job.results if not row["ok"])
    requests = list(Request.objects.filter(tracking_code__in=codes).order_by("pk"))
    started = time.perf_counter()
    with transaction.atomic():
        for request in requests:
            request_services.request_assign(request=request, user=user, actor=user)
    loop_seconds = time.perf_counter() - started
    return job_seconds, loop_seconds, refused


def measure_bulk_mail(user: User, team: Team, rows: int) -> tuple[float, int, int]:
    """Seconds of the worker's run of a bulk assignment of ``rows`` routed letters of the team to a colleague
    (``bulk.bulk_job_run``, action ``mail_assign``); then the undo job puts them back (not timed). Letters are
    added to the bannette's 300 up to ``rows`` (once)."""
    year = timezone.localdate().year
    extra = rows - MailItem.objects.filter(team=team, status=MailItem.Status.ROUTED).count()
    MailItem.objects.bulk_create(
        MailItem(
            registration_number=f"{year}-X-{i:06d}", year=year, number=950000 + i, original="bench/none.pdf",
            original_name="scan.pdf", content_type="application/pdf", size=1, sha256=f"{950000 + i:064d}",
            uploaded_by=user, status=MailItem.Status.ROUTED, team=team,
        )
        for i in range(max(extra, 0))
    )  # fmt: skip
    numbers = list(
        MailItem.objects.filter(team=team, status=MailItem.Status.ROUTED)
        .order_by("pk")
        .values_list("registration_number", flat=True)[:rows]
    )
    taker = next((a for a in team_agents(team_id=team.pk) if a.pk != user.pk), None)
    job = BulkJob.objects.create(actor=user, team=team, action=bulk.MAIL_ASSIGN, assignee=taker, codes=numbers,
                                 total=len(numbers))  # fmt: skip
    started = time.perf_counter()
    job = bulk.bulk_job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    refused = sum(1 for row in job.results if not row["ok"])
    undo = BulkJob.objects.create(actor=user, team=team, action=bulk.MAIL_UNDO_ASSIGN, undo_of=job,
                                  codes=[row["code"] for row in job.results if row["ok"]])  # fmt: skip
    bulk.bulk_job_run(job_id=undo.pk)
    return seconds, len(numbers), refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=3_000)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--other-requests", type=int, default=30_000)
    parser.add_argument("--other-tasks", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200, help="timed page loads per variant")
    parser.add_argument("--bulk-rows", type=int, default=500)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, team = ensure_organisation()
    with transaction.atomic():
        load_files_and_requests(user, team, args.files, args.other_requests)
        load_work(user, team, args.tasks, args.other_tasks)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = verified_client(user)
    print(
        f"machine: {os.cpu_count()} CPU; {BENCH_USER}: {SocialFile.objects.count():,} files, "
        f"{Task.objects.filter(assignee=user, done_at__isnull=True).count():,} open tasks, "
        f"{Request.objects.filter(assigned_to=user).count():,} requests assigned; "
        f"{Request.objects.count():,} requests, {Task.objects.count():,} tasks in all"
    )
    day_samples, day_queries = measure(client, args.requests)
    pattern = home_urls.urlpatterns[0]
    current, pattern.callback = pattern.callback, _before
    try:
        base_samples, base_queries = measure(client, args.requests)
    finally:
        pattern.callback = current
    day95 = describe(f"Ma journée ({day_queries} queries)", day_samples)
    base95 = describe(f"baseline: home before Ma journée ({base_queries} queries)", base_samples)
    print(f"Ma journée p95 {day95:.1f} ms (target 100 ms); ratio to the old home p95 {day95 / base95:.2f}x")
    job_s, loop_s, refused = measure_bulk(user, team, args.bulk_rows)
    print(
        f"bulk assignment of {args.bulk_rows} requests in the worker: {job_s:.2f} s (target 5 s, {refused} refused); "
        f"baseline one request_assign after another in one transaction: {loop_s:.2f} s; ratio {job_s / loop_s:.2f}x"
    )
    mail_s, letters, refused = measure_bulk_mail(user, team, args.bulk_rows)
    print(f"bulk assignment of {letters} letters in the worker: {mail_s:.2f} s ({refused} refused)")


if __name__ == "__main__":
    main()
