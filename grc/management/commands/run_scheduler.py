import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from grc.scheduling import run_due


class Command(BaseCommand):
    help = "Planificateur : chaque minute, met en file les tâches dues de SCHEDULED_JOBS (à lancer avec db_worker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="un seul passage, puis s'arrêter")
        parser.add_argument("--interval", type=int, default=60, help="secondes entre deux passages")

    def handle(self, *args, once, interval, **options):
        while True:
            started = time.monotonic()
            results = run_due()
            for name, status in sorted(results.items()):
                if status not in ("not due", "locked") and options["verbosity"] > 0:
                    self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M} {name}: {status}")
            if once:
                return
            time.sleep(max(1.0, interval - (time.monotonic() - started)))
