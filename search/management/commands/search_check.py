"""Compare what the database says the index should hold with what it holds, per kind.

``manage.py search_check`` prints one line per kind and exits with status 1 when a count differs
(for monitoring); ``search_reindex --kind K`` repairs it.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from search import registry
from search.backends import get_backend


class Command(BaseCommand):
    help = "Compare, par type, le nombre d'objets en base et de documents dans l'index de recherche."

    def handle(self, *args, **options):
        backend = get_backend()
        differ = []
        self.stdout.write(f"moteur : {backend.name}")
        for kind in registry.kinds():
            expected, indexed = registry.database_count(kind), backend.count(kind)
            state = "ok" if expected == indexed else "ÉCART"
            self.stdout.write(f"{kind:8s} base={expected} index={indexed} {state}")
            if expected != indexed:
                differ.append(kind)
        if differ:
            self.stderr.write(f"écart pour : {', '.join(differ)} (manage.py search_reindex --kind …)")
            sys.exit(1)
