"""Declare a webhook receiver of appointment events and print its signing secret (once)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from grc.models import Team
from rendezvous.webhooks import webhook_endpoint_create


class Command(BaseCommand):
    help = (
        "Déclare un destinataire des évènements de rendez-vous (webhook signé HMAC-SHA256) et affiche son secret "
        "une seule fois. Voir docs/appointments.md, « Webhooks »."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Nom (ex. « Agenda du Département »).")
        parser.add_argument("--url", required=True, help="Adresse https qui reçoit les POST.")
        parser.add_argument("--team", action="append", default=[], help="Code d'une équipe suivie (répétable).")
        parser.add_argument("--all-teams", action="store_true", help="Suivre toutes les équipes.")

    def handle(self, *args, name, url, team, all_teams, **options):
        teams = list(Team.objects.filter(code__in=team))
        unknown = sorted(set(team) - {t.code for t in teams})
        if unknown:
            raise CommandError(f"Équipe(s) inconnue(s) : {', '.join(unknown)}")
        try:
            endpoint, secret = webhook_endpoint_create(
                actor=None, name=name, url=url, teams=teams, all_teams=all_teams
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Webhook « {endpoint.name} » déclaré (n° {endpoint.pk}).")
        self.stdout.write("Secret de signature, à transmettre au destinataire ; il ne sera plus affiché :")
        self.stdout.write(secret)
