"""Rebuild the search index from the database: ``manage.py search_reindex [--kind K] [--batch N]``.

Walks each kind's table by primary key (keyset pagination: ``WHERE id > last ORDER BY id LIMIT n``,
no OFFSET, no long-held cursor), builds the documents of each batch and indexes them, saving a
checkpoint (``search_reindex_checkpoint``) after every batch. An interrupted run resumes from the
checkpoint when started again; ``--restart`` starts over. At the end of a kind, documents that were
not rewritten during the run (their rows are gone) are removed — on Elasticsearch the run builds a
new index and swaps the alias onto it, so searches keep working meanwhile.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from search import registry
from search.backends import get_backend
from search.models import ReindexCheckpoint


class Command(BaseCommand):
    help = "Reconstruit l'index de recherche depuis la base (reprend là où une exécution interrompue s'est arrêtée)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", choices=registry.kinds(), help="type(s) à réindexer")
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument("--restart", action="store_true", help="ignorer le point de reprise")
        parser.add_argument("--limit", type=int, default=0, help="s'arrêter après N objets (essais)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, kind=None, batch=2000, restart=False, limit=0, no_progress=False, **options):
        if batch < 1:
            raise CommandError("--batch doit être positif")
        backend = get_backend()
        total_docs, started = 0, time.perf_counter()
        for k in kind or registry.kinds():
            total_docs += self._kind(backend, k, batch, restart, limit, no_progress)
        seconds = time.perf_counter() - started
        rate = total_docs / seconds if seconds else 0
        self.stdout.write(f"{total_docs} documents en {seconds:.1f} s ({rate:.0f} documents/s)")

    def _kind(self, backend, kind, batch, restart, limit, no_progress) -> int:
        checkpoint = ReindexCheckpoint.objects.filter(kind=kind).first()
        if checkpoint and (restart or checkpoint.finished_at or checkpoint.backend != backend.name):
            checkpoint.delete()
            checkpoint = None
        if checkpoint is None:
            now = timezone.now()
            checkpoint = ReindexCheckpoint.objects.create(
                kind=kind, backend=backend.name, target=backend.reindex_begin(kind), started_at=now
            )
            self.stdout.write(f"{kind} : nouvelle reconstruction")
        else:
            self.stdout.write(f"{kind} : reprise après l'identifiant {checkpoint.last_id} ({checkpoint.done} faits)")
        expected = registry.database_count(kind)
        bar = tqdm(total=expected, initial=min(checkpoint.done, expected), desc=kind, unit="doc", disable=no_progress)
        started, count = time.perf_counter(), 0
        try:
            while True:
                ids = registry.queryset_ids(kind, checkpoint.last_id, batch)
                if not ids:
                    break
                with transaction.atomic():
                    docs, _ = registry.build(kind, ids)
                backend.reindex_index(checkpoint.target, docs)
                count += len(docs)
                checkpoint.last_id = ids[-1]
                checkpoint.done += len(docs)
                checkpoint.save(update_fields=["last_id", "done", "updated_at"])
                bar.update(len(docs))
                if limit and count >= limit:
                    self.stdout.write(f"{kind} : arrêt après {count} documents (--limit), reprise possible")
                    return count
        finally:
            bar.close()
        removed = backend.reindex_finish(kind, checkpoint.target, checkpoint.started_at)
        checkpoint.finished_at = timezone.now()
        checkpoint.save(update_fields=["finished_at", "updated_at"])
        seconds = time.perf_counter() - started
        rate = count / seconds if seconds else 0
        self.stdout.write(f"{kind} : {count} documents indexés, {removed} retirés, {rate:.0f} documents/s")
        return count
