"""Import a data·inclusion file (v1 JSON/CSV, or v0 as DORA emits it) into the annuaire.

Without ``--apply`` nothing is written: the command prints the line-by-line report and the preview (created,
changed with their fields, unchanged). With ``--apply`` it writes the created and changed records, with history,
in the name of the Info sociale team member given by ``--as`` (default: the first member), here in the command's
process (a progress bar while it writes), ending with the summary: created and updated per kind, lines refused.
"""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annuaire.imports.applying import import_apply, import_prepare
from annuaire.imports.reading import read_import
from annuaire.perms import INFO_SOCIALE_TEAM_CODE, can_moderate
from grc.models import User
from grc.perms import membership_current_q
from grc.uploads import UploadRefused


class Command(BaseCommand):
    help = "Importe un fichier data·inclusion (aperçu, puis --apply pour écrire)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="fichier .json ou .csv")
        parser.add_argument("--apply", action="store_true", help="écrire les créations et modifications")
        parser.add_argument("--as", dest="email", default="", help="adresse du membre de l'équipe Info sociale")
        parser.add_argument("--no-progress", action="store_true", help="pas de barre de progression")

    def _actor(self, email: str) -> User:
        members = User.objects.filter(
            membership_current_q("memberships__"), memberships__team__code=INFO_SOCIALE_TEAM_CODE, is_active=True
        )
        user = (members.filter(email=email) if email else members.order_by("pk")).first()
        if user is None or not can_moderate(user):
            raise CommandError("Aucun membre actif de l'équipe Info sociale ne correspond.")
        return user

    def handle(self, *args, path, apply, email, no_progress, **options):
        actor = self._actor(email)
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        upload = SimpleUploadedFile(source.name, source.read_bytes())
        try:
            result = read_import(upload)
        except UploadRefused as refused:
            raise CommandError(refused.messages[0]) from None
        bar = tqdm(total=len(result.report), unit="ligne", disable=no_progress, file=self.stderr._out)
        for line in result.report:
            for field, message in line.errors.items():
                self.stdout.write(f"{line.kind} ligne {line.line} ({line.record_id or '?'}) : {field} : {message}")
            for message in line.warnings:
                self.stdout.write(f"{line.kind} ligne {line.line} ({line.record_id or '?'}) : {message}")
            bar.update(1)
        bar.close()
        run = import_prepare(user=actor, result=result, filename=source.name)
        for kind in ("structure", "service"):
            preview = run.preview[kind]
            self.stdout.write(
                f"{kind}s : {len(preview['created'])} créée(s), {len(preview['changed'])} modifiée(s), "
                f"{preview['unchanged']} inchangée(s)"
            )
            for record_id, fields in preview["changed"].items():
                self.stdout.write(f"  {record_id} : " + ", ".join(sorted(fields)))
        counts = result.counts
        self.stdout.write(
            f"Lignes valides : {counts['valid']}, rejetées : {counts['invalid']} (v{result.schema_version[1:]})"
        )
        if not apply:
            self.stdout.write("Aperçu seulement : rien n'est écrit (relancez avec --apply).")
            return
        bar = tqdm(total=0, unit="ligne", desc="écriture", disable=no_progress, file=self.stderr._out)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        run = import_apply(user=actor, run=run, progress=progress)
        bar.close()
        for line in run.summary.get("skipped", []):
            self.stdout.write(f"non écrit : {line}")
        written = {kind: run.summary.get(kind, {}) for kind in ("structure", "service")}
        self.stdout.write(
            self.style.SUCCESS(
                "Import appliqué : "
                f"structures {written['structure'].get('created', 0)} créée(s), "
                f"{written['structure'].get('changed', 0)} mise(s) à jour ; "
                f"services {written['service'].get('created', 0)} créé(s), "
                f"{written['service'].get('changed', 0)} mis à jour ; "
                f"{counts['invalid']} ligne(s) refusée(s) à la vérification, "
                f"{len(run.summary.get('skipped', []))} non écrite(s) à l'application."
            )
        )
