"""Revoke a service account's bearer token, named by its prefix."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from grc.models import ApiToken


class Command(BaseCommand):
    help = "Révoque un jeton d'API désigné par son préfixe (affiché à la création)."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="Préfixe du jeton (12 caractères, ex. grc_AbCdEfGh).")

    def handle(self, *args, prefix, **options):
        tokens = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if not tokens:
            raise CommandError(f"Aucun jeton actif avec le préfixe {prefix}.")
        if len(tokens) > 1:
            raise CommandError(f"Plusieurs jetons actifs ont le préfixe {prefix} : révoquez-les depuis l'admin.")
        token = tokens[0]
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        self.stdout.write(f"Jeton « {token.name} » ({token.prefix}…) révoqué.")
