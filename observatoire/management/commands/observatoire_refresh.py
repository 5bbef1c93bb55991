"""Refresh the observatory's summary tables (the scheduler runs it every night; see observatoire.refresh)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from observatoire.refresh import STEPS
from observatoire.services import observatory_refresh


class Command(BaseCommand):
    help = "Recalcule les tableaux de l'observatoire (mois ouverts) à partir des données vivantes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="recalcule aussi les mois figés (premier chargement ; perd ce qui a été effacé depuis)",
        )
        parser.add_argument("--no-progress", action="store_true", help="pas de barre de progression")

    def handle(self, *args, rebuild, no_progress, **options):
        bar = tqdm(total=len(STEPS), unit="source", disable=no_progress, file=self.stderr._out, dynamic_ncols=True)

        def progress(step: str, done: int, total: int) -> None:
            bar.set_description(step)
            bar.update(1)

        try:
            run = observatory_refresh(rebuild=rebuild, progress=progress)
        finally:
            bar.close()
        since = run.first_month.strftime("%m/%Y") if run.first_month else "le début"
        self.stdout.write(
            f"Observatoire actualisé : {run.rows} cellules écrites depuis {since} en {run.seconds:.1f} s."
        )
