"""Rebuild the possible non-recours of every consenting person (what the nightly job does), with a progress bar
and a summary. Counts only: no name or amount is printed."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from droits.batch import CHUNK_SIZE, non_recours_rebuild
from droits.engine import warm_up


class Command(BaseCommand):
    help = "Recalcule les non-recours possibles de toutes les personnes ayant consenti (calcul de nuit)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="foyers par simulation")
        parser.add_argument("--period", default=None, help="mois estimé AAAA-MM (par défaut : le mois en cours)")
        parser.add_argument("--no-progress", action="store_true", help="pas de barre de progression")

    def handle(self, *args, chunk_size, period, no_progress, **options):
        self.stdout.write("Chargement du moteur OpenFisca…")
        warm_up()
        bar = tqdm(unit="foyer", disable=no_progress, file=self.stderr._out, dynamic_ncols=True)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            run = non_recours_rebuild(chunk_size=chunk_size, period=period, progress=progress)
        finally:
            bar.close()
        rate = run.households_done / run.seconds if run.seconds else 0.0
        summary = (
            f"Calcul n° {run.pk} ({run.get_status_display()}) pour le mois {run.period}\n"
            f"Foyers estimés : {run.households_done} sur {run.households_total}\n"
            f"Situations incomplètes ignorées : {run.households_skipped}\n"
            f"Non-recours possibles : {run.rows_written}\n"
            f"Durée : {run.seconds:.1f} s ({rate:.0f} foyers/s)"
        )
        if run.status == run.Status.DONE:
            self.stdout.write(self.style.SUCCESS(summary))
        else:
            self.stderr.write(self.style.ERROR(f"{summary}\nErreur : {run.error}"))
