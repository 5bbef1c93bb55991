"""``manage.py apply_retention [--dry-run] [--rule PURPOSE ...]``: apply the retention rules now."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from privacy.models import RetentionRule
from privacy.retention import order, retention_apply, retention_rules_ensure


class Command(BaseCommand):
    help = (
        "Applique les règles de conservation (versement aux Archives départementales puis anonymisation) ; "
        "--dry-run compte et liste sans rien modifier."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Simulation : rien n'est modifié.")
        parser.add_argument(
            "--rule",
            action="append",
            choices=RetentionRule.Purpose.values,
            help="Finalité à traiter (répétable) ; toutes les règles actives par défaut.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Pas de barre de progression.")

    def handle(self, *args, **options):
        retention_rules_ensure(actor=None)
        purposes = options["rule"] or order()
        rules = {r.purpose: r for r in RetentionRule.objects.filter(purpose__in=purposes)}
        if options["rule"]:
            inactive = [p for p in purposes if p in rules and not rules[p].is_active]
            if inactive:
                raise CommandError(f"Règle(s) inactive(s) : {', '.join(inactive)}")
        else:
            rules = {p: r for p, r in rules.items() if r.is_active}
        runs, failed = [], []
        for purpose in order():
            rule = rules.get(purpose)
            if rule is None:
                continue
            bar = None
            if not options["no_progress"]:
                bar = tqdm(desc=rule.get_purpose_display(), unit="élément", file=self.stderr._out, leave=False)

            def progress(done, total, bar=bar):
                if bar is not None:
                    bar.total = total
                    bar.n = done
                    bar.refresh()

            try:
                runs.append(retention_apply(rule=rule, dry_run=options["dry_run"], progress=progress))
            except Exception as error:  # recorded as a failed run; the other rules still run
                failed.append(f"{rule.label} : {type(error).__name__}")
                runs.append(rule.runs.order_by("-pk").first())
            finally:
                if bar is not None:
                    bar.close()
        self.stdout.write(self.style.MIGRATE_HEADING("Simulation" if options["dry_run"] else "Conservation appliquée"))
        for run in runs:
            counts = ", ".join(f"{k} : {v}" for k, v in sorted(run.counts.items())) or "rien à traiter"
            exports = run.exports.count()
            suffix = f" — {exports} versement(s) aux Archives" if exports else ""
            error = f" — {run.error}" if run.error else ""
            self.stdout.write(f"  {run.rule.label} (exécution n° {run.pk}) : {counts}{suffix}{error}")
        if failed:
            raise CommandError("Règle(s) en échec : " + " ; ".join(failed))
