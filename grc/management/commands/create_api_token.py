"""Create a bearer token for a service account (scanning station, partner system)."""

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from grc.models import ApiToken, Membership, Team, User
from grc.services.memberships import membership_create

TOKEN_PREFIX = "grc_"  # noqa: S105  (a marker for secret scanners, not a secret)
PREFIX_LENGTH = 12  # ApiToken.prefix: enough to name a token when revoking it, useless to guess it


class Command(BaseCommand):
    help = (
        "Crée un jeton d'API pour un compte de service (créé s'il n'existe pas) et l'affiche une seule fois. "
        "Avec --team et --role, le compte reçoit aussi une appartenance d'équipe (ses droits)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="Adresse du compte de service.")
        parser.add_argument("--name", required=True, help="Nom du jeton (ex. « Scanner courrier »).")
        parser.add_argument("--team", help="Code de l'équipe à laquelle rattacher le compte.")
        parser.add_argument("--role", choices=Membership.Role.values, help="Rôle dans l'équipe.")

    @transaction.atomic
    def handle(self, *args, email, name, team=None, role=None, **options):
        if bool(team) != bool(role):
            raise CommandError("--team et --role vont ensemble.")
        email = User.objects.normalize_email(email).lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password=None, is_staff=True, is_service_account=True)
        elif not user.is_service_account:
            raise CommandError(f"{email} est un compte personnel, pas un compte de service : aucun jeton créé.")
        if team:
            team_obj = Team.objects.filter(code=team).first()
            if team_obj is None:
                raise CommandError(f"Équipe inconnue : {team}")
            if not Membership.objects.filter(user=user, team=team_obj, role=role, end_date__isnull=True).exists():
                membership_create(
                    actor=None, user=user, team=team_obj, role=role, reason="compte de service (create_api_token)"
                )
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user, name=name, prefix=raw[:PREFIX_LENGTH], token_hash=ApiToken.hash(raw)
        )
        self.stdout.write(f"Jeton « {token.name} » créé pour {user.email} (préfixe {token.prefix}).")
        self.stdout.write("Copiez-le maintenant, il ne sera plus jamais affiché :")
        self.stdout.write(raw)
