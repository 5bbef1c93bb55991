"""Remind the editors of the annuaire's records not updated for 12 months (the scheduler runs the task daily;
this command is the same work by hand, with a progress bar and a summary)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from annuaire.staleness import stale_reminders_send


class Command(BaseCommand):
    help = "Relance par courriel les éditeurs des fiches non mises à jour depuis 12 mois."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="pas de barre de progression")

    def handle(self, *args, no_progress, **options):
        bar = tqdm(total=0, unit="fiche", disable=no_progress, file=self.stderr._out)

        def progress(index: int, total: int) -> None:
            bar.total = total
            bar.update(1)

        summary = stale_reminders_send(progress=progress)
        bar.close()
        self.stdout.write(f"{summary['records']} fiche(s) périmée(s) relancée(s), {summary['emails']} courriel(s).")
