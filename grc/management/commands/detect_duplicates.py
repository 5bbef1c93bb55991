"""Background duplicate detection over the whole citizen reference, resumable.

    manage.py detect_duplicates            # resumes after the last citizen processed
    manage.py detect_duplicates --restart  # from the first citizen
    manage.py detect_duplicates --limit 5000

The checkpoint (last citizen id processed) is a small JSON file under ``VAR_DIR``, one per database; it is written
every ``--checkpoint-every`` citizens and at the end, so an interrupted run loses little work.
Pairs an agent marked "not a duplicate" are never raised again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from grc.models import Citizen
from grc.services.suspicions import DetectionReport, detect_duplicates


def checkpoint_path() -> Path:
    # One checkpoint per database: the bench database must not move the dev database's checkpoint.
    database = connection.settings_dict["NAME"]
    return Path(settings.VAR_DIR) / f"detect_duplicates.{database}.checkpoint.json"


def read_checkpoint() -> int:
    try:
        return int(json.loads(checkpoint_path().read_text())["last_id"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return 0


def write_checkpoint(last_id: int) -> None:
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"last_id": last_id, "at": timezone.now().isoformat()}))
    os.replace(tmp, path)  # atomic: a crash never leaves a half-written checkpoint


class Command(BaseCommand):
    help = "Détecte les doublons probables dans le référentiel usagers (reprend là où il s'était arrêté)."

    def add_arguments(self, parser):
        parser.add_argument("--restart", action="store_true", help="repartir du premier usager")
        parser.add_argument("--limit", type=int, default=None, help="nombre maximal d'usagers à examiner")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--checkpoint-every", type=int, default=200)
        parser.add_argument("--no-progress", action="store_true", help="pas de barre de progression")

    def handle(self, *args, restart, limit, batch_size, checkpoint_every, no_progress, **options):
        start_after = 0 if restart else read_checkpoint()
        remaining = Citizen.objects.filter(status=Citizen.Status.ACTIVE, pk__gt=start_after).count()
        total = remaining if limit is None else min(limit, remaining)
        if start_after:
            self.stdout.write(f"Reprise après l'usager n° {start_after}.")
        bar = tqdm(total=total, unit="usager", disable=no_progress, file=self.stderr._out, dynamic_ncols=True)

        def progress(citizen_id: int, report: DetectionReport) -> None:
            bar.update(1)
            if report.checked % checkpoint_every == 0:
                write_checkpoint(citizen_id)
                bar.set_postfix(nouvelles=report.created, connues=report.already_known)

        try:
            report = detect_duplicates(
                batch_size=batch_size, start_after_id=start_after, progress=progress, limit=limit
            )
        finally:
            bar.close()
        write_checkpoint(report.last_id)
        self.stdout.write(
            self.style.SUCCESS(
                f"Usagers examinés : {report.checked}\n"
                f"Nouvelles suspicions : {report.created}\n"
                f"Déjà connues : {report.already_known}\n"
                f"Écartées (pas un doublon / fusionnées) ignorées : {report.dismissed_skipped}\n"
                f"Durée : {report.elapsed:.1f} s\n"
                f"Point de reprise : usager n° {report.last_id}"
            )
        )
