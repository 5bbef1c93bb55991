"""``manage.py seed_demo``: idempotent demo data (run by ``make run``), and bulk scale data for benchmarks.

First the reference data every seeder keys on (organisation, accounts, citizens: this command's
options), then the seeders the apps registered in ``demo.registry``, in its order.
"""

from django.core.management.base import BaseCommand, CommandError

from demo import accounts, bulk, citizens, data, organisation, registry
from demo.records import Counts
from demo.seeders import annuaire
from grc.models import Citizen


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (organisation, comptes, usagers, portail, dossiers sociaux) "
        "sans rien dupliquer ; "
        "--citizens N ajoute N usagers synthétiques par COPY pour les bancs d'essai."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-citizens",
            type=int,
            default=2000,
            help="Nombre (approché, par foyers entiers) d'usagers de démonstration (défaut : 2000).",
        )
        parser.add_argument(
            "--citizens",
            type=int,
            default=0,
            help="Usagers synthétiques supplémentaires chargés en masse par COPY (défaut : 0).",
        )
        parser.add_argument(
            "--directory-size",
            type=int,
            default=annuaire.STRUCTURES,
            help=f"Nombre de structures de l'annuaire social (défaut : {annuaire.STRUCTURES}, le Département).",
        )
        parser.add_argument("--password", default=data.DEFAULT_PASSWORD, help="Mot de passe des comptes de démo.")
        parser.add_argument("--seed", type=int, default=2026, help="Graine des générateurs (données reproductibles).")
        parser.add_argument("--no-progress", action="store_true", help="Pas de barre de progression.")

    def handle(self, *args, **options):
        if options["demo_citizens"] < 0 or options["citizens"] < 0 or options["directory_size"] < 0:
            raise CommandError("Les nombres d'usagers et de structures doivent être positifs.")
        counts = Counts()
        actor = accounts.system_account()
        organisation.seed_organisation(actor=actor, counts=counts)
        logins = accounts.seed_staff(actor=actor, password=options["password"], counts=counts)
        accounts.seed_portal_account(actor=actor, password=options["password"], counts=counts)
        citizens.seed_planted_duplicates(actor=actor, counts=counts, seed=options["seed"])
        if options["demo_citizens"]:
            self.stdout.write(f"Usagers de démonstration ({options['demo_citizens']} demandés)…")
            citizens.seed_demo_citizens(
                count=options["demo_citizens"], actor=actor, counts=counts, seed=options["seed"]
            )
        for seeder in registry.seeders():
            # Each app seeds its own demo data with ``seed(actor=, counts=)``, idempotently.
            seeder.seed(actor=actor, counts=counts, **{name: options[name] for name in seeder.options})
        loaded = None
        if options["citizens"]:
            self.stdout.write(f"Chargement en masse de {options['citizens']} usagers synthétiques (COPY)…")
            loaded = bulk.load_citizens(
                count=options["citizens"],
                actor_id=actor.id,
                # A new seed per load keeps successive loads from repeating the same people.
                seed=options["seed"] + Citizen.objects.count(),
                progress=not options["no_progress"],
            )
        self._summary(counts, logins, options["password"], loaded)

    def _summary(self, counts, logins, password, loaded):
        out = self.stdout
        out.write("")
        out.write(self.style.MIGRATE_HEADING("Données de démonstration"))
        width = max(len(label) for label in counts.labels())
        out.write(f"  {'objet'.ljust(width)}  créés  déjà présents")
        for label in counts.labels():
            out.write(f"  {label.ljust(width)}  {counts.created[label]:>5}  {counts.existing[label]:>13}")
        if loaded is not None:
            out.write("")
            out.write(self.style.MIGRATE_HEADING("Chargement en masse"))
            out.write(
                f"  {loaded.citizens} usagers ({loaded.duplicates} quasi-doublons plantés), "
                f"{loaded.addresses} adresses, {loaded.households} foyers, {loaded.memberships} membres de foyer "
                f"en {loaded.seconds:.1f} s ({loaded.rate:.0f} usagers/s)"
            )
        out.write("")
        out.write(self.style.MIGRATE_HEADING(f"Comptes de démonstration (mot de passe commun : {password})"))
        rows = [("adresse électronique", "rôle", "équipe", "mot de passe", "codes de secours (2FA)")]
        rows += [(login.email, login.role, login.team, password, " ".join(login.codes[:2])) for login in logins]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            out.write("  " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        out.write(
            f"  Compte usager du portail (sans 2FA) : {data.PORTAL_ACCOUNT_EMAIL} / {password}. "
            "Chaque code de secours ne sert qu'une fois ; de nouveaux codes sont émis à chaque exécution."
        )
        out.write("")
        out.write("  Back-office : http://127.0.0.1:8000/backoffice/")
        out.write("  Portail     : http://127.0.0.1:8000/")
