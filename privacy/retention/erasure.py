"""Erasure (Art. 17) decided by the DPO on a register entry: checked when asked for
(``privacy.services.erasure_request``), run by the worker (``privacy.tasks.execute_erasure`` →
``erasure_run`` → ``citizen_erase``) the same way retention runs, purpose by purpose."""

from __future__ import annotations

import logging
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from demandes.models import Request
from dossier_unique.models import Accompaniment
from grc import retention_registry
from grc.history import save_tracked
from grc.models import User
from grc.person_data_registry import person_ids
from grc.retention_registry import ANONYMISED_NAME

from ..models import ErasureExecution, GdprRequest, RetentionExport, RetentionRun
from ..perms import is_dpo
from .anonymise import citizen_anonymise, not_done
from .rules import retention_rules_ensure
from .run import process_batch, recorded

logger = logging.getLogger(__name__)

# French reasons shown to the DPO when an erasure did not go through: they name no one and no file (an
# exception's text can carry a path, a name or a NIR, so it is never shown or logged, only its class).
ERASURE_FAILURE_ROLE = (
    "La personne qui a demandé l'effacement n'a plus le rôle de délégué(e) à la protection des données : "
    "rien n'a été effacé."
)
ERASURE_FAILURE_STORAGE = (
    "Un fichier n'a pas pu être lu ou écrit dans le stockage (pièce du dossier, numérisation ou versement aux "
    "Archives départementales) : l'effacement n'est pas allé à son terme. Faites vérifier le stockage, puis "
    "demandez-le de nouveau (ce qui est déjà effacé ne l'est pas deux fois)."
)
ERASURE_FAILURE_OTHER = (
    "L'effacement a échoué (erreur technique consignée dans le journal de l'application) : il n'est peut-être "
    "pas allé à son terme. Demandez-le de nouveau (ce qui est déjà effacé ne l'est pas deux fois) ; si l'échec "
    "se répète, prévenez l'équipe technique."
)
ERASURE_FAILURE_NOT_QUEUED = (
    "L'effacement n'a pas pu être lancé (file des traitements indisponible) : rien n'a été effacé. "
    "Demandez-le de nouveau dans quelques minutes."
)
ERASURE_FAILURE_STALLED = (
    "L'effacement a été interrompu (aucun résultat dans le délai prévu) : il n'est peut-être pas allé à son "
    "terme. Demandez-le de nouveau (ce qui est déjà effacé ne l'est pas deux fois)."
)


def erasure_check(*, gdpr_request) -> list[int]:
    """The conditions of an erasure (Art. 17) on ``gdpr_request``, checked when the DPO asks for it
    (``erasure_request``, so the refusal is immediate) and again by the worker before anything goes
    (``citizen_erase``: things may have changed meanwhile). Returns the ids of the citizen and of the
    records merged into it.

    Refused (``ValidationError``, French, naming no one) unless the request is an open erasure request
    matched to a citizen and not opened by a portal account deletion (that one closes the account only);
    while an accompaniment or a request of the person is still open (the file is
    then needed for the public-interest task, Art. 17(3)(b)): close them first."""
    citizen = gdpr_request.citizen
    if gdpr_request.kind != "erasure" or citizen is None or not gdpr_request.is_open:
        raise ValidationError("Seule une demande d'effacement en cours, rapprochée d'un usager, peut être exécutée.")
    # The portal's account deletion request points at its register entry (``account_deletion``).
    if GdprRequest.objects.filter(pk=gdpr_request.pk, account_deletion__isnull=False).exists():
        # The person asked to close their portal account, not to erase their records.
        raise ValidationError(
            "Cette demande porte sur la suppression du compte du portail : utilisez « Supprimer le compte ». "
            "Si l'usager demande aussi l'effacement de son dossier, enregistrez une demande d'effacement distincte."
        )
    ids = person_ids(citizen.pk)
    if Accompaniment.objects.filter(file__citizen_id__in=ids, status=Accompaniment.Status.OPEN).exists():
        raise ValidationError("Un accompagnement est en cours : il doit être clos avant l'effacement.")
    if Request.objects.filter(citizen_id__in=ids, status__in=Request.OPEN_STATUSES).exists():
        raise ValidationError("Une demande est en cours d'instruction : elle doit être close avant l'effacement.")
    return ids


def _erase_purpose(*, purpose, rule, object_ids, gdpr_request, actor, reason) -> RetentionRun:
    now = timezone.now()
    run = save_tracked(
        RetentionRun(
            rule=rule,
            actor=actor,
            cutoff=now,
            started_at=now,
            items=[{"type": "effacement", "id": gdpr_request.pk, "label": gdpr_request.reference}],
        ),
        actor,
        reason,
    )
    counts = Counter(candidates=len(object_ids))
    with recorded(run, counts=counts, actor=actor):
        process_batch(run=run, batch=object_ids, actor=actor, reason=reason, counts=counts, anonymise_citizens=False)
    return run


def citizen_erase(*, gdpr_request, actor) -> list[RetentionRun]:
    """Erasure (Art. 17) decided by the DPO on a request: everything about the request's citizen goes
    now, in the caller's process, the same way retention does it (export for the Archives
    départementales first, then the portal account, requests, letters and social file anonymised —
    every registered purpose holding rows about the person — then the identity). The register asks for
    it with ``erasure_request``; the background task (``privacy.tasks.execute_erasure``) calls this.

    Refused under the conditions of ``erasure_check`` (nothing is done then). One ``RetentionRun`` per
    purpose involved, whose ``items`` name the GDPR request; each purpose commits on its own, so a
    failure part-way leaves the purposes before it done (asking again does not redo them).
    """
    if not is_dpo(actor):
        raise PermissionDenied
    ids = erasure_check(gdpr_request=gdpr_request)
    citizen = gdpr_request.citizen
    rules = {rule.purpose: rule for rule in retention_rules_ensure(actor=actor)}
    reason = f"effacement RGPD {gdpr_request.reference}"
    runs = []
    for purpose in retention_registry.purposes():
        if purpose.of_citizens is None:
            continue
        object_ids = list(not_done(purpose.of_citizens(ids), purpose.key).order_by("pk").values_list("pk", flat=True))
        if not object_ids:
            continue
        runs.append(
            _erase_purpose(
                purpose=purpose,
                rule=rules[purpose.key],
                object_ids=object_ids,
                gdpr_request=gdpr_request,
                actor=actor,
                reason=reason,
            )
        )
    with transaction.atomic():
        if citizen.birth_name != ANONYMISED_NAME:
            citizen_anonymise(citizen=citizen, actor=actor, reason=reason)
    return runs


def erasure_failure_message(error: BaseException) -> str:
    """What the DPO reads about a failed erasure (French, naming no one)."""
    if isinstance(error, PermissionDenied):
        return ERASURE_FAILURE_ROLE
    if isinstance(error, ValidationError):
        # The conditions of erasure_check no longer hold: its fixed French sentences name no one.
        return " ".join(error.messages) + " Rien n'a été effacé."
    if isinstance(error, OSError):
        return ERASURE_FAILURE_STORAGE
    return ERASURE_FAILURE_OTHER


def erasure_close(erasure_id: int, *, actor, from_statuses, error: str = "") -> bool:
    """Mark the erasure ``erasure_id`` done (``error`` empty) or failed with ``error`` (French), if its state
    is one of ``from_statuses``; either way it records the retention runs it made so far (a failure part-way
    leaves some purposes done). Returns whether it was marked."""
    with transaction.atomic():
        erasure = ErasureExecution.objects.select_for_update().filter(pk=erasure_id, status__in=from_statuses)
        erasure = erasure.first()
        if erasure is None:
            return False
        if erasure.started_at is not None:
            run_ids = list(
                RetentionRun.objects.filter(
                    items__contains=[{"type": "effacement", "id": erasure.gdpr_request_id}],
                    started_at__gte=erasure.started_at,
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            erasure.run_ids = run_ids
            erasure.export_count = RetentionExport.objects.filter(run_id__in=run_ids).count()
        erasure.status = ErasureExecution.Status.FAILED if error else ErasureExecution.Status.DONE
        erasure.error = error
        erasure.finished_at = timezone.now()
        save_tracked(erasure, actor, "échec de l'effacement" if error else "effacement terminé")
    return True


def erasure_run(*, erasure_id: int, actor_id: int) -> str:
    """The background task's work: claim the pending erasure ``erasure_id`` (one worker only: pending →
    running under ``SELECT … FOR UPDATE SKIP LOCKED``), check again that ``actor_id`` (the DPO who asked)
    still is DPO and that the conditions still hold, run ``citizen_erase`` as them, and mark it done (with
    its retention runs) or failed (with a French reason).

    Returns "done", "failed" or "skipped" (not pending: delivered a second time, given up as lost, or
    another worker has it); never raises for a failed erasure."""
    actor = User.objects.filter(pk=actor_id).first()
    with transaction.atomic():
        erasure = (
            ErasureExecution.objects.select_for_update(skip_locked=True)
            .filter(pk=erasure_id, status=ErasureExecution.Status.PENDING)
            .first()
        )
        if erasure is None:
            return "skipped"
        erasure.status = ErasureExecution.Status.RUNNING
        erasure.started_at = timezone.now()
        save_tracked(erasure, actor, "effacement commencé")
    try:
        if actor is None or not is_dpo(actor):
            raise PermissionDenied
        gdpr_request = GdprRequest.objects.select_related("citizen").get(pk=erasure.gdpr_request_id)
        citizen_erase(gdpr_request=gdpr_request, actor=actor)
    except Exception as error:
        logger.warning("erasure %s: failed (%s)", erasure_id, type(error).__name__)
        erasure_close(
            erasure_id,
            actor=actor,
            from_statuses=[ErasureExecution.Status.RUNNING],
            error=erasure_failure_message(error),
        )
        return "failed"
    # Done even if it was given up as lost meanwhile (a slow worker, not a dead one): the data is gone, and
    # the register must say so.
    erasure_close(
        erasure_id, actor=actor, from_statuses=[ErasureExecution.Status.RUNNING, ErasureExecution.Status.FAILED]
    )
    return "done"
