"""Give an agent the address of their private webcal feed (a new secret; the earlier one stops working)."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from grc.models import User
from rendezvous.feeds import agent_calendar_token_create, agent_calendar_token_revoke
from rendezvous.notifications.messages import site_base


class Command(BaseCommand):
    help = (
        "Crée l'adresse d'abonnement (webcal) à l'agenda d'un agent, affichée une seule fois ; "
        "--revoke arrête le flux. Voir docs/appointments.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="Adresse du compte de l'agent.")
        parser.add_argument("--revoke", action="store_true", help="Révoquer le flux au lieu d'en créer un.")

    def handle(self, *args, email, revoke, **options):
        agent = User.objects.filter(email__iexact=email, is_staff=True, is_active=True).first()
        if agent is None:
            raise CommandError(f"Aucun agent actif avec l'adresse {email}.")
        if revoke:
            count = agent_calendar_token_revoke(user=agent)
            self.stdout.write(f"Flux révoqués : {count}.")
            return
        raw = agent_calendar_token_create(user=agent)
        url = site_base() + reverse("rendezvous_agent_feed", args=[raw])
        self.stdout.write("Adresse d'abonnement, à coller dans l'agenda ; elle ne sera plus affichée :")
        self.stdout.write(url.replace("https://", "webcal://", 1) if url.startswith("https://") else url)
