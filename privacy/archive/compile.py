"""Compiling an access-right archive: the collected data (``privacy.person_data``, audience
``dpo_archive``) as archive.json and archive.pdf, with the files, in one ZIP written to private storage;
then downloading it. The request that enqueues a compilation is ``privacy.services.access_archive_request``."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import zipfile

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.history import save_tracked
from grc.models import Citizen, User

from ..models import AccessArchive, GdprRequest
from ..perms import is_dpo
from ..person_data import DPO_ARCHIVE, collect_person_data
from ..storage import zip_stored_files
from .pdf import archive_pdf

logger = logging.getLogger(__name__)


def _summary(data: dict) -> dict:
    files = data["dossiers_sociaux"]
    return {
        "adresses": len(data["adresses"]),
        "moyens_de_contact": len(data["moyens_de_contact"]),
        "foyers": len(data["foyers"]),
        "dossiers_sociaux": len(files),
        "accompagnements": sum(len(f["accompagnements"]) for f in files),
        "notes": sum(len(f["notes"]) for f in files),
        "documents": sum(len(f["documents"]) for f in files),
        "demandes": len(data["demandes"]),
        "courriers": len(data["courriers"]),
        "acces": len(data["acces_a_vos_donnees"]),
        "non_communique": data["ce_qui_n_est_pas_communique"]["nombres"],
    }


def write_zip(target, *, data: dict, pdf: bytes, files) -> None:
    """Write archive.json, archive.pdf and ``files`` [(name, FieldFile)] into the open binary ``target``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        archive.writestr("archive.pdf", pdf)
        zip_stored_files(archive, files, missing="Fichier introuvable dans le stockage au moment de l'export.")


def _store(field, instance, temp) -> tuple[int, str]:
    temp.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: temp.read(1024 * 1024), b""):
        digest.update(chunk)
    size = temp.tell()
    temp.seek(0)
    field.save("archive.zip", File(temp), save=False)
    return size, digest.hexdigest()


# French reasons shown to the DPO when a compilation fails: they name no one and no file (an exception's
# text can carry a path, a name or a NIR, so it is never shown or logged, only its class).
FAILURE_STORAGE = (
    "Un fichier n'a pas pu être lu ou écrit dans le stockage (pièce du dossier, numérisation ou l'archive "
    "elle-même) : l'archive n'a pas été constituée. Faites vérifier le stockage, puis constituez-la de nouveau."
)
FAILURE_ROLE = (
    "La personne qui a demandé l'archive n'a plus le rôle de délégué(e) à la protection des données : "
    "l'archive n'a pas été constituée."
)
FAILURE_OTHER = (
    "La constitution de l'archive a échoué (erreur technique consignée dans le journal de l'application). "
    "Constituez-la de nouveau ; si l'échec se répète, prévenez l'équipe technique."
)
FAILURE_NOT_QUEUED = (
    "La préparation de l'archive n'a pas pu être lancée (file des traitements indisponible). "
    "Constituez-la de nouveau dans quelques minutes."
)
FAILURE_STALLED = (
    "La préparation de l'archive a été interrompue (aucun résultat dans le délai prévu) : constituez-la de nouveau."
)


def _failure_message(error: BaseException) -> str:
    if isinstance(error, PermissionDenied):
        return FAILURE_ROLE
    if isinstance(error, OSError):
        return FAILURE_STORAGE
    return FAILURE_OTHER


def archive_fail(archive_id: int, *, message: str, actor) -> None:
    """Mark a pending archive failed with ``message`` (a finished one is left as it is)."""
    with transaction.atomic():
        archive = AccessArchive.objects.select_for_update().filter(pk=archive_id, status=AccessArchive.Status.PENDING)
        archive = archive.first()
        if archive is None:
            return
        archive.status = AccessArchive.Status.FAILED
        archive.failure_message = message
        archive.finished_at = timezone.now()
        save_tracked(archive, actor, "échec de la constitution")


def _compile_into(archive: AccessArchive, *, actor, request=None, request_id: str = "") -> AccessArchive:
    """Compile the pending ``archive``: build, write the ZIP to private storage, then in one transaction mark
    it ready, log it (``GDPR_ACCESS_ARCHIVE``, actor = the DPO who asked) and link it to its request.

    The slow part (reading every record and file, the PDF, the ZIP) runs outside any transaction. If the
    archive is no longer pending when it is done (marked failed as stalled meanwhile), the file is removed
    and nothing is logged."""
    if not is_dpo(actor):
        raise PermissionDenied
    data, files = collect_person_data(
        citizen=archive.citizen, audience=DPO_ARCHIVE, include_staff_names=archive.include_staff_names
    )
    pdf = archive_pdf(data=data)
    content = archive.content
    with tempfile.TemporaryFile() as temp:
        write_zip(temp, data=data, pdf=pdf, files=files)
        size, sha256 = _store(content, archive, temp)
    try:
        with transaction.atomic():
            current = AccessArchive.objects.select_for_update().filter(pk=archive.pk).first()
            if current is None or not current.is_pending:
                content.delete(save=False)
                return current or archive
            current.content = content.name
            current.size, current.sha256 = size, sha256
            current.summary = _summary(data)
            current.status = AccessArchive.Status.READY
            current.failure_message = ""
            current.finished_at = timezone.now()
            save_tracked(current, actor, "archive constituée")
            gdpr_request = current.gdpr_request
            access_log_write(
                actor=actor,
                action=AccessLog.Action.GDPR_ACCESS_ARCHIVE,
                citizen=current.citizen_id,
                obj=current,
                purpose=f"droit d'accès {gdpr_request.reference}" if gdpr_request else "droit d'accès",
                request=request,
                request_id=request_id,
            )
            if gdpr_request is not None:
                # The register entry points at its answer (the DPO's own write, in this transaction).
                gdpr_request.archive = current
                save_tracked(gdpr_request, actor, "archive de droit d'accès jointe")
    except BaseException:
        content.delete(save=False)
        raise
    return current


def access_archive_compile(
    *,
    citizen: Citizen,
    actor,
    gdpr_request: GdprRequest | None = None,
    include_staff_names: bool = False,
    request=None,
) -> AccessArchive:
    """Compile the access-right archive of ``citizen`` now, in the caller's process (DPO only): the
    demo seeder, management use and tests. The register asks for it with ``access_archive_request``,
    compiled by the background task. A failure marks the archive failed and is raised."""
    if not is_dpo(actor):
        raise PermissionDenied
    archive = save_tracked(
        AccessArchive(
            citizen=citizen,
            gdpr_request=gdpr_request,
            created_by=actor,
            include_staff_names=include_staff_names,
            started_at=timezone.now(),
        ),
        actor,
        "archive demandée",
    )
    try:
        return _compile_into(archive, actor=actor, request=request)
    except Exception as error:
        archive_fail(archive.pk, message=_failure_message(error), actor=actor)
        raise


def access_archive_build(*, archive_id: int, actor_id: int, request_id: str = "") -> str:
    """The background task's work: claim the pending archive ``archive_id`` (one worker only), compile it
    as ``actor_id`` (the DPO who asked: the access log names them), and mark it ready or failed.

    Returns "ready", "failed" or "skipped" (not pending, or another worker has it); never raises for a
    failed compilation: the archive says it failed, in French."""
    actor = User.objects.filter(pk=actor_id).first()
    with transaction.atomic():
        archive = (
            AccessArchive.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=archive_id, status=AccessArchive.Status.PENDING, started_at__isnull=True)
            .select_related("citizen", "gdpr_request")
            .first()
        )
        if archive is None:
            return "skipped"
        archive.started_at = timezone.now()
        save_tracked(archive, actor, "constitution commencée")
    try:
        if actor is None:
            raise PermissionDenied
        archive = _compile_into(archive, actor=actor, request_id=request_id)
    except Exception as error:
        logger.warning("access archive %s: compilation failed (%s)", archive_id, type(error).__name__)
        archive_fail(archive_id, message=_failure_message(error), actor=actor)
        return "failed"
    return "ready" if archive.is_ready else "skipped"


def access_archive_for_download(*, user, pk: int, request=None) -> AccessArchive:
    """The archive ``pk`` for the DPO to download (logged ``GDPR_ACCESS_ARCHIVE``); 404 for anyone else.

    An archive with nothing to read (pending, failed, or purged by retention or an erasure) is returned
    without a log row, and the caller says why."""
    if not is_dpo(user):
        raise Http404
    archive = AccessArchive.objects.filter(pk=pk).first()
    if archive is None:
        raise Http404
    if not archive.is_ready or archive.is_purged:
        return archive
    access_log_write(
        actor=user,
        action=AccessLog.Action.GDPR_ACCESS_ARCHIVE,
        citizen=archive.citizen_id,
        obj=archive,
        purpose="téléchargement de l'archive de droit d'accès",
        request=request,
    )
    return archive
