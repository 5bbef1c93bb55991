"""The citizen portal served by gunicorn: anonymous page throughput and p95, and request submission p95.

A benchmark, not a test. Runs against its own database (``grc_bench_portal`` on the embedded
server), migrated and seeded with the demo organisation and the portal's demo content unless already
there, and ``--concurrency`` citizen accounts (linked citizens, identity "e-mail verified").

Static files are collected first (production's hashed names, ``ManifestStaticFilesStorage``) and the
anonymous page cache (``portal/cache.py``) is emptied, so the first visit of each page renders it.
It starts gunicorn on the production settings (``config.settings.base`` through
``bench/portal_settings.py``, which only adds ``/bench/ok/``, a plain Django view returning "ok",
as the baseline), then, with ``--concurrency`` client threads (``http.client``, keep-alive):

- ``/bench/ok/`` (the plain Django view: the whole middleware stack, no database query of its own);
- the portal home page and a procedure page (``transport-scolaire-adapte``), anonymous;
- a request submission by a logged-in citizen, as a browser does it with CSRF: GET the procedure
  form, POST the answers (``action=review``: validated, draft saved), POST the review page (the
  filing: ``request_submit``, tracking code, timeline entry, acknowledgement task enqueued).
  Timed: the filing POST alone, and the whole three-request round.

    .venv/bin/python bench/portal.py                     # 4 client threads, 2 gunicorn workers
    .venv/bin/python bench/portal.py --quick             # fewer requests: a couple of minutes
    .venv/bin/python bench/portal.py --requests 400 --concurrency 8 --workers 4
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Forced, not defaulted: the bench writes requests and accounts, never into the dev database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench_portal"
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.portal_settings"
os.environ.setdefault("SECRET_KEY", "bench-only-insecure-key-not-for-production")  # noqa: S105
os.environ.setdefault("ACCESS_LOG_HMAC_KEY", "bench-only-access-log-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
# Plain HTTP on the loopback: no HTTPS redirect, no Secure-only cookies.
os.environ.setdefault("DJANGO_SECURE", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

PROCEDURE_PAGE = "transport-scolaire-adapte"
SUBMIT_PROCEDURE = "contacter-un-service"
BENCH_DOMAIN = "bench.grc.local"


def prepare(concurrency: int) -> list[str]:
    """Migrate and seed the bench database if needed; return one session cookie per bench citizen."""
    import datetime

    from demo import accounts, organisation
    from demo.records import Counts
    from grc.history import save_tracked
    from grc.models import Citizen, User
    from grc.services.citizens import citizen_create
    from portal.demo import catalogue, home
    from portal.models import ProcedurePage

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not ProcedurePage.objects.filter(slug=SUBMIT_PROCEDURE).exists():
        counts = Counts()
        actor = accounts.system_account()
        organisation.seed_organisation(actor=actor, counts=counts)
        home.seed_portal_pages(counts=counts)
        catalogue.seed(actor=actor, counts=counts)
    actor = accounts.system_account()
    cookies = []
    for i in range(concurrency):
        email = f"usager.{i}@{BENCH_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, first_name="Banc", last_name=f"Portail {i}")
        citizen = Citizen.objects.filter(user=user).first()
        if citizen is None:
            citizen = citizen_create(
                actor=actor,
                birth_name=f"Banc{i}",
                first_names="Portail",
                birth_date=datetime.date(1980, 1, 1 + i % 28),
                birth_place="Rennes",
            )
            citizen.user = user
            citizen.assurance_level = Citizen.Assurance.EMAIL_VERIFIED
            save_tracked(citizen, actor, "banc d'essai du portail")
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return cookies


def submission_answers() -> dict[str, str]:
    """Plausible answers for every field of the submitted procedure (files are optional there)."""
    from portal.models import ProcedurePage

    page = ProcedurePage.objects.get(slug=SUBMIT_PROCEDURE)
    answers = {}
    for field in page.form_fields.all():
        choices = [c.strip() for c in field.choices.splitlines() if c.strip()]
        value = {
            "singleline": "Question sur mon dossier",
            "multiline": "Bonjour,\nje souhaite connaître l'avancement de ma demande.\nMerci.",
            "email": "usager@example.org",
            "number": "2",
            "date": "2026-01-15",
            "checkbox": "on",
            "dropdown": choices[0] if choices else "",
            "radio": choices[0] if choices else "",
        }.get(field.field_type)
        if value is not None:
            answers[field.clean_name] = value
    return answers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(  # noqa: S603 -- fixed argv, no shell
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/bench/ok/")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start")


class Session:
    """One client: a keep-alive connection and its cookies."""

    def __init__(self, port: int, session_cookie: str = ""):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {settings.SESSION_COOKIE_NAME: session_cookie} if session_cookie else {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, dict]:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_load(label: str, port: int, path: str, requests: int, concurrency: int) -> dict:
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    per_thread = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]

    def worker(count):
        session = Session(port)
        local = []
        for _ in range(count):
            started = time.perf_counter()
            status, _text, _headers = session.request("GET", path)
            local.append((time.perf_counter() - started) * 1000)
            if status != 200:
                errors.append(status)
        with lock:
            latencies.extend(local)

    # Warm-up: every worker process imports, connects and fills its caches first.
    warm = Session(port)
    for _ in range(10):
        warm.request("GET", path)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "label": label,
        "n": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 95),
        "errors": len(errors),
    }


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def run_submissions(port: int, cookies: list[str], rounds: int, procedure_path: str, answers: dict) -> dict:
    filing: list[float] = []
    whole: list[float] = []
    failures = []
    lock = threading.Lock()

    def worker(cookie, count):
        session = Session(port, cookie)
        local_filing, local_whole = [], []
        for _ in range(count):
            started = time.perf_counter()
            status, page, _h = session.request("GET", procedure_path)
            token = CSRF_INPUT.search(page)
            if status != 200 or token is None:
                failures.append(f"form {status}")
                continue
            status, _text, headers = session.request(
                "POST", procedure_path, {**answers, "action": "review", "csrfmiddlewaretoken": token.group(1)}
            )
            review = headers.get("Location", "")
            if status != 302 or not review.endswith("/verification/"):
                failures.append(f"review {status}")
                continue
            filing_started = time.perf_counter()
            status, _text, headers = session.request(
                "POST", urllib.parse.urlsplit(review).path, {"csrfmiddlewaretoken": token.group(1)}
            )
            done = time.perf_counter()
            if status != 302 or "/confirmation/" not in headers.get("Location", ""):
                failures.append(f"submit {status}")
                continue
            local_filing.append((done - filing_started) * 1000)
            local_whole.append((done - started) * 1000)
        with lock:
            filing.extend(local_filing)
            whole.extend(local_whole)

    per_thread = [rounds // len(cookies) + (1 if i < rounds % len(cookies) else 0) for i in range(len(cookies))]
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c, n)) for c, n in zip(cookies, per_thread, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if not filing:
        raise SystemExit(f"no submission succeeded: {failures[:5]}")
    return {
        "n": len(filing),
        "per_second": len(filing) / elapsed,
        "filing_p50": statistics.median(filing),
        "filing_p95": percentile(filing, 95),
        "round_p50": statistics.median(whole),
        "round_p95": percentile(whole, 95),
        "failures": failures,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="GET requests per page (default 400)")
    parser.add_argument("--submissions", type=int, default=60, help="requests filed (default 60)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--quick", action="store_true", help="200 GETs per page and 30 filings")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.submissions = min(args.requests, 200), min(args.submissions, 30)

    from portal.models import ProcedurePage

    print("Preparing grc_bench_portal (migrate, seed if empty, bench accounts)…")
    cookies = prepare(args.concurrency)
    procedure_url = ProcedurePage.objects.get(slug=PROCEDURE_PAGE).url
    submit_url = ProcedurePage.objects.get(slug=SUBMIT_PROCEDURE).url
    answers = submission_answers()
    from django.db import connections

    connections.close_all()
    from django.core.cache import caches

    from portal.cache import CACHE_ALIAS

    caches[CACHE_ALIAS].clear()

    port = free_port()
    server = start_server(port, args.workers)
    try:
        print(
            f"gunicorn: {args.workers} sync workers, production settings; client: {args.concurrency} threads; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        )
        rows = [
            run_load("plain Django view /bench/ok/", port, "/bench/ok/", args.requests, args.concurrency),
            run_load("home page /", port, "/", args.requests, args.concurrency),
            run_load(f"procedure page {procedure_url}", port, procedure_url, args.requests, args.concurrency),
        ]
        print(f"\n{'page (anonymous GET)':<55} {'n':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
        for row in rows:
            print(
                f"{row['label']:<55} {row['n']:>5} {row['rps']:>8.1f} {row['p50']:>8.1f} {row['p95']:>8.1f} "
                f"{row['errors']:>6}"
            )
        sub = run_submissions(port, cookies, args.submissions, submit_url, answers)
        print(
            f"\nrequest submission ({SUBMIT_PROCEDURE}, logged in, CSRF): {sub['n']} filed, "
            f"{sub['per_second']:.1f}/s\n"
            f"  filing POST (review page → submitted): p50 {sub['filing_p50']:.1f} ms, "
            f"p95 {sub['filing_p95']:.1f} ms\n"
            f"  whole round (GET form, POST answers, POST filing): p50 {sub['round_p50']:.1f} ms, "
            f"p95 {sub['round_p95']:.1f} ms"
        )
        stylesheet = re.search(r'href="(/static/css/portal[^"]*\.css)"', Session(port).request("GET", "/")[1])
        print(f"portal stylesheet: {stylesheet.group(1) if stylesheet else 'not found'} (hashed name)")
        if sub["failures"]:
            print(f"  failures: {len(sub['failures'])} ({sub['failures'][:5]})")
        baseline = rows[0]
        print(
            f"\nvs. the plain view: home p95 ×{rows[1]['p95'] / baseline['p95']:.1f}, "
            f"procedure p95 ×{rows[2]['p95'] / baseline['p95']:.1f}, "
            f"throughput home {rows[1]['rps'] / baseline['rps']:.0%} and "
            f"procedure {rows[2]['rps'] / baseline['rps']:.0%} of the plain view's"
        )
        print(
            f"filing POST p95 {sub['filing_p95']:.0f} ms (target 300 ms): ×{sub['filing_p95'] / baseline['p95']:.1f} "
            f"the plain view's p95 in the same run"
        )
        print(
            f"anonymous/plain throughput ratio: home {rows[1]['rps'] / baseline['rps']:.2f}, "
            f"procedure {rows[2]['rps'] / baseline['rps']:.2f}"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
