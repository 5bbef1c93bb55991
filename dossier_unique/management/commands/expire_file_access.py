from django.core.management.base import BaseCommand

from dossier_unique.services.expiry import expire_grants_and_emergency_accesses


class Command(BaseCommand):
    help = "Retire les accès des partages et accès d'urgence arrivés à échéance (à planifier toutes les 5 minutes)."

    def handle(self, *args, **options):
        summary = expire_grants_and_emergency_accesses()
        self.stdout.write(
            f"{summary['grants']} partage(s) et {summary['emergency_accesses']} accès d'urgence arrivés à échéance."
        )
