from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from tqdm import tqdm

from grc.audit.models import AccessLog
from grc.audit.verify import verify_and_record


class Command(BaseCommand):
    help = "Vérifie la chaîne de hachage du journal des accès (intégrité, lignes manquantes ou modifiées)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200_000)
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Alias de la base à vérifier (le résultat y est enregistré)."
        )

    def handle(self, *args, **options):
        using = options["database"]
        total = AccessLog.objects.using(using).count()
        with tqdm(total=total, unit="lignes", disable=options["verbosity"] == 0) as bar:
            run, report = verify_and_record(batch_size=options["batch_size"], progress=bar.update, using=using)
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Journal des accès intègre : {report.checked} lignes vérifiées "
                    f"(depuis le point d'ancrage n° {report.anchor_seq})."
                )
            )
            return
        for seq, reason in report.problems:
            self.stderr.write(f"seq {seq}: {reason}")
        raise CommandError(
            f"Journal des accès corrompu : {len(report.problems)} anomalie(s) sur {report.checked} lignes."
        )
