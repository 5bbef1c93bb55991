"""Follow up the invitations to book that expired without an appointment (scheduled; see SCHEDULED_JOBS)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from rendezvous.services import invitations_follow_up


class Command(BaseCommand):
    help = "Relance les invitations à prendre rendez-vous expirées sans rendez-vous (parcours, courriel à l'agent)."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="pas de barre de progression")

    def handle(self, *args, no_progress, **options):
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(
                    total=total, unit="invitation", disable=no_progress, file=self.stderr._out, dynamic_ncols=True
                )
            bar.update(1)

        try:
            count = invitations_follow_up(progress=progress)
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(self.style.SUCCESS(f"Invitations expirées sans rendez-vous relancées : {count}"))
