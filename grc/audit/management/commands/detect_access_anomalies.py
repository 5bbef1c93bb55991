from django.core.management.base import BaseCommand
from django.db.models import Max, Min
from tqdm import tqdm

from grc.audit.alerts import detect, ensure_default_rules
from grc.audit.models import AccessLog, AlertRule


class Command(BaseCommand):
    help = "Analyse les nouvelles lignes du journal des accès et lève les alertes (incrémental, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=100_000)

    def handle(self, *args, **options):
        ensure_default_rules()
        end = AccessLog.objects.aggregate(m=Max("seq"))["m"] or 0
        rules = AlertRule.objects.filter(enabled=True)
        start = rules.aggregate(m=Min("last_seq"))["m"] or 0
        total = sum(max(end - r.last_seq, 0) for r in rules)
        with tqdm(total=total, unit="lignes", disable=options["verbosity"] == 0) as bar:
            summary = detect(progress=bar.update, batch=options["batch_size"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{end - start} ligne(s) analysée(s) ; {summary.total_raised} alerte(s) levée(s), "
                f"{sum(summary.updated.values())} complétée(s)."
            )
        )
        for kind, count in sorted(summary.raised.items()):
            self.stdout.write(f"  {AlertRule.Kind(kind).label} : {count}")
