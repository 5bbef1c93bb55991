"""Re-enqueue mail recognitions left behind by a dead worker (run every few minutes, e.g. from cron)."""

from django.core.management.base import BaseCommand

from mail.tasks import lease_seconds, recover_stalled


class Command(BaseCommand):
    help = (
        "Relance la reconnaissance des courriers restés « reçus » : réclamés par un processus depuis plus "
        "que le bail (MAIL_OCR_LEASE_SECONDS) ou jamais pris en charge. Après MAIL_OCR_MAX_ATTEMPTS "
        "interruptions, le courrier passe à traiter manuellement."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--lease", type=int, default=None, help=f"Bail en secondes (défaut : {lease_seconds()} s)."
        )

    def handle(self, *args, lease=None, **options):
        summary = recover_stalled(lease=lease)
        self.stdout.write(
            f"Courriers relancés : {summary['requeued']} ; passés à traiter manuellement : {summary['manual']}."
        )
