"""``migrate`` as the database owner, then the runtime role's grants (grc.dbroles).

The application's own role (the default alias) has DML only, so schema changes run with the owner's
credentials (``DATABASE_OWNER``) for this command. Afterwards the runtime role gets its privileges on
the tables the migrations created (and none on the access log beyond INSERT and SELECT). Works
unchanged when a single role is configured, and when the test runner calls it as the owner.
"""

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

from grc import dbroles


class Command(MigrateCommand):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        with dbroles.as_owner(connection):
            super().handle(*args, **options)
            statements = dbroles.grant_runtime(connection)
            if statements and options["verbosity"] >= 2:
                self.stdout.write(f"  Runtime role granted its privileges ({len(statements)} statements).")
