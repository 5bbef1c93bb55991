"""Mail intake and recognition at load (a benchmark, not a test).

Runs on its own database (``grc_bench_mail`` on the embedded server, migrated if needed), with its
own private storage (``var/bench_mail/documents``); the mail tables of that database are emptied at
the start of each run. Measures:

- **upload**: ``--uploads`` (240) distinct generated letters (80 % one-page PNG at 200 dpi, 20 %
  two-page image PDF) posted one by one to ``POST /api/v1/mail`` with a scanning station's bearer
  token through ``django.test.Client`` (all the middleware), with the database task backend: the
  recognition is only enqueued, so the figure does not depend on OCR. Also the same intake without
  HTTP (``services.mail_receive``). p50/p95/max in ms.
- **OCR**: ``--ocr-letters`` (16) letters (12 upright PNG, 2 sideways JPEG, 2 two-page PDF: 18
  pages) recognised by 1, then 2 real ``manage.py db_worker`` processes started beforehand; pages
  per minute from the end of the upload to the last ``recognised_at`` (suggestions included).
- **suggestion accuracy**: if ``bench/mail_accuracy.py`` is there, its ``run()`` (it rebuilds its own
  data in the same database) and its figures.

    .venv/bin/python bench/mail.py
    .venv/bin/python bench/mail.py --uploads 200 --ocr-letters 8 --no-accuracy
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench_mail"
# Forced, not defaulted: the bench empties the mail tables of its database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench_mail"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DSU_DOCUMENTS_ROOT"] = str(BENCH_DIR / "documents")
os.environ["SEARCH_AUTO_INDEX"] = "false"  # the search index is measured by bench/search.py
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from tests.mail import letters  # noqa: E402


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _summary(values):
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 1),
        "p95": round(_pct(values, 0.95), 1),
        "max": round(max(values), 1),
    }


def _reset():
    from django_tasks_db.models import DBTaskResult

    from mail.models import MailBatch, MailDuplicateUpload, MailEvent, MailItem, MailPage, RegistrationCounter

    DBTaskResult.objects.all().delete()
    MailDuplicateUpload.objects.all().delete()
    MailEvent.objects.all().delete()
    MailPage.objects.all().delete()
    MailItem.history.all().delete()
    MailItem.objects.all().delete()
    MailBatch.objects.all().delete()
    RegistrationCounter.objects.all().delete()
    shutil.rmtree(BENCH_DIR / "documents", ignore_errors=True)


def _station():
    """A mailroom service account and its bearer token (the real management command)."""
    import io

    from grc.models import Team

    Team.objects.get_or_create(code="courrier-bench", defaults={"name": "Courrier (bench)", "kind": Team.Kind.MAIL})
    out = io.StringIO()
    call_command(
        "create_api_token",
        email="scanner.bench@bench.local",
        name="Scanner bench",
        team="courrier-bench",
        role="mailroom_agent",
        stdout=out,
    )
    token = out.getvalue().strip().splitlines()[-1]
    from grc.models import User

    return User.objects.get(email="scanner.bench@bench.local"), token


def _scans(count: int, seed: int) -> list[tuple[str, bytes, int]]:
    """(name, bytes, pages): 80 % one-page PNG, 20 % two-page PDF, every one distinct."""
    scans = []
    for n in range(count):
        letter = letters.make_letter(seed=seed + n)
        if n % 5 == 4:
            scans.append((f"courrier-{n}.pdf", letters.pdf_bytes(letter, pages=2, dpi=200), 2))
        else:
            scans.append((f"courrier-{n}.png", letters.png_bytes(letter, dpi=200), 1))
    return scans


def bench_upload(token: str, user, count: int) -> dict:
    from mail import services

    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    t = time.perf_counter()
    scans = _scans(count + 5 + count // 4, seed=1000)
    generated = time.perf_counter() - t
    warmup, http_scans, direct_scans = scans[:5], scans[5 : 5 + count], scans[5 + count :]
    for name, data, _pages in warmup:
        client.post("/api/v1/mail", {"files": [letters.as_upload(data, name)]})

    http = []
    for name, data, _pages in http_scans:
        upload = letters.as_upload(data, name)
        start = time.perf_counter()
        response = client.post("/api/v1/mail", {"files": [upload]})
        http.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 201, response.content
    direct = []
    for name, data, _pages in direct_scans:
        upload = letters.as_upload(data, name)
        start = time.perf_counter()
        services.mail_receive(uploaded_file=upload, user=user)
        direct.append((time.perf_counter() - start) * 1000)
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path="mail.tasks.recognise_mail", status="READY").count()
    sizes = [len(data) for _name, data, _pages in http_scans]
    return {
        "http": _summary(http),
        "direct": _summary(direct),
        "queued": queued,
        "generated_s": round(generated, 1),
        "mean_kb": round(statistics.mean(sizes) / 1024),
    }


def _start_workers(count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return [
        subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _i in range(count)
    ]


def _stop(workers):
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)


def bench_ocr(user, workers: int, count: int, seed: int) -> dict:
    from mail import services
    from mail.models import MailItem

    scans = []
    for n in range(count):
        letter = letters.make_letter(seed=seed + n)
        if n % 8 == 6:
            scans.append((f"ocr-{n}.jpg", letters.jpeg_bytes(letter, dpi=200, rotate=90), 1))
        elif n % 8 == 7:
            scans.append((f"ocr-{n}.pdf", letters.pdf_bytes(letter, pages=2, dpi=200), 2))
        else:
            scans.append((f"ocr-{n}.png", letters.png_bytes(letter, dpi=200), 1))
    pages = sum(p for _n, _d, p in scans)
    processes = _start_workers(workers)
    try:
        time.sleep(8)  # Django start-up of the workers, not part of the figure
        started = timezone.now()
        ids = [
            services.mail_receive(uploaded_file=letters.as_upload(data, name), user=user).item.pk
            for name, data, _p in scans
        ]
        deadline = time.monotonic() + 60 * 30
        while time.monotonic() < deadline:
            left = MailItem.objects.filter(pk__in=ids, status=MailItem.Status.RECEIVED).count()
            if not left:
                break
            time.sleep(0.5)
    finally:
        _stop(processes)
    items = MailItem.objects.filter(pk__in=ids)
    if items.count() != len(ids):
        raise SystemExit("grc_bench_mail was emptied during the run (bench/mail_accuracy.py at the same time?)")
    statuses = {status: items.filter(status=status).count() for status in MailItem.Status.values}
    last = max(item.recognised_at or timezone.now() for item in items)
    elapsed = (last - started).total_seconds()
    return {
        "workers": workers,
        "letters": count,
        "pages": pages,
        "seconds": round(elapsed, 1),
        "pages_per_minute": round(pages / elapsed * 60, 1),
        "recognised": statuses["recognised"],
        "manual": statuses["manual"],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uploads", type=int, default=240)
    parser.add_argument("--ocr-letters", type=int, default=16)
    parser.add_argument("--no-accuracy", action="store_true")
    args = parser.parse_args(argv)

    if connection.settings_dict["NAME"] != "grc_bench_mail":
        raise SystemExit("bench/mail.py must run on its own database (grc_bench_mail)")
    call_command("migrate", verbosity=0, interactive=False)
    settings.DEBUG = False  # no query log in memory, production-like timings
    load_before = os.getloadavg()
    _reset()
    user, token = _station()

    upload = bench_upload(token, user, args.uploads)
    print(f"\nMachine: {os.cpu_count()} CPUs; load average {load_before[0]:.2f} at start")
    print(f"Upload (one file per POST, database task backend: OCR only enqueued; mean file {upload['mean_kb']} KB)")
    print(f"{'':34}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for label, key in (("POST /api/v1/mail (bearer token)", "http"), ("services.mail_receive (no HTTP)", "direct")):
        row = upload[key]
        print(f"{label:34}{row['n']:>6}{row['p50']:>10}{row['p95']:>10}{row['max']:>10}")
    print(f"recognitions enqueued, waiting: {upload['queued']}", flush=True)

    _reset()
    user, token = _station()
    print("\nOCR (real db_worker processes, Tesseract fra, suggestions included)")
    print(f"{'workers':>8}{'letters':>9}{'pages':>7}{'seconds':>9}{'pages/min':>11}{'recognised':>12}{'manual':>8}")
    for workers in (1, 2):
        row = bench_ocr(user, workers, args.ocr_letters, seed=5000 + 100 * workers)
        print(
            f"{row['workers']:>8}{row['letters']:>9}{row['pages']:>7}{row['seconds']:>9}"
            f"{row['pages_per_minute']:>11}{row['recognised']:>12}{row['manual']:>8}",
            flush=True,
        )
    print(f"load average {os.getloadavg()[0]:.2f} after OCR", flush=True)

    accuracy = None
    if not args.no_accuracy and (ROOT / "bench" / "mail_accuracy.py").exists():
        sys.path.insert(0, str(ROOT / "bench"))
        import mail_accuracy

        accuracy = mail_accuracy.run()

    if accuracy is not None:
        print()
        mail_accuracy.print_figures(accuracy)
    elif not args.no_accuracy:
        print("\nSuggestion accuracy: bench/mail_accuracy.py not found.")


if __name__ == "__main__":
    main()
