"""Writes of the GDPR rights register (every change keeps history: who, when, why).

Deadlines (Art. 12(3) RGPD): an answer is due **one month from receipt**; the controller may extend
it **once by two further months** "where necessary, taking into account the complexity and number of
the requests", and must tell the person, with the reasons, within the first month. So an extension
needs a reason and is refused once the first deadline has passed.

Status workflow::

    received ─┬─> identity_check ─┬─> in_progress ─┬─> answered
              │                   │                ├─> refused (with reason)
              └───────────────────┴────────────────┴─> extended ─> answered / refused

``extended`` is reached through ``gdpr_request_extend`` only.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked, track
from grc.models import Citizen, User
from grc.scheduling import enqueue_on_commit, lease_cutoff

from .archive.compile import FAILURE_NOT_QUEUED, FAILURE_STALLED, archive_fail
from .models import (
    DRY_RUN_LEASE,
    AccessArchive,
    ErasureExecution,
    GdprRequest,
    RetentionRule,
    RetentionRun,
    Withholding,
    add_months,
    dry_run_in_progress,
)
from .perms import is_dpo
from .retention.erasure import ERASURE_FAILURE_NOT_QUEUED, ERASURE_FAILURE_STALLED, erasure_check, erasure_close
from .retention.run import DRY_RUN_NOT_QUEUED, DRY_RUN_STALLED, retention_dry_run_fail
from .tasks import compile_access_archive, execute_erasure, gdpr_acknowledgement_send, retention_dry_run

S = GdprRequest.Status
logger = logging.getLogger(__name__)

TRANSITIONS: dict[str, set[str]] = {
    S.RECEIVED: {S.IDENTITY_CHECK, S.IN_PROGRESS, S.ANSWERED, S.REFUSED},
    S.IDENTITY_CHECK: {S.IN_PROGRESS, S.ANSWERED, S.REFUSED},
    S.IN_PROGRESS: {S.ANSWERED, S.REFUSED},
    S.EXTENDED: {S.ANSWERED, S.REFUSED},
    S.ANSWERED: set(),
    S.REFUSED: set(),
}
EXTENSION_MONTHS = 2
EDITABLE_FIELDS = ("kind", "citizen", "requester_identity", "details", "received_on", "channel", "owner", "notes")


def legal_deadline(*, received_on: datetime.date) -> datetime.date:
    """One month from receipt (Art. 12(3) RGPD)."""
    return add_months(received_on, 1)


def _check_dpo(actor) -> None:
    if not is_dpo(actor):
        raise PermissionDenied


def _next_reference(year: int) -> str:
    # A transaction-scoped advisory lock keeps references gap-free and unique under concurrency.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('privacy.gdpr_reference'))")
    prefix = f"RGPD-{year}-"
    last = (
        GdprRequest.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
    ).first()
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _validate(values: dict) -> None:
    errors = {}
    if values.get("kind") not in GdprRequest.Kind.values:
        errors["kind"] = _("Choisissez le droit exercé.")
    if values.get("channel") not in GdprRequest.Channel.values:
        errors["channel"] = _("Choisissez le canal de réception.")
    if not (values.get("requester_identity") or "").strip():
        errors["requester_identity"] = _("Indiquez l'identité du demandeur telle qu'elle figure dans la demande.")
    received_on = values.get("received_on")
    if received_on is None:
        errors["received_on"] = _("Indiquez la date de réception.")
    elif received_on > timezone.localdate():
        errors["received_on"] = _("La date de réception ne peut pas être dans le futur.")
    owner = values.get("owner")
    if owner is not None and not is_dpo(owner):
        errors["owner"] = _("La demande ne peut être confiée qu'à un délégué à la protection des données.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def gdpr_request_create(
    *,
    actor,
    kind: str,
    requester_identity: str,
    received_on: datetime.date,
    channel: str,
    citizen=None,
    owner=None,
    notes: str = "",
    details: str = "",
) -> GdprRequest:
    """Record a request in the register; its legal deadline is one month from ``received_on``."""
    _check_dpo(actor)
    values = {
        "kind": kind,
        "requester_identity": (requester_identity or "").strip(),
        "received_on": received_on,
        "channel": channel,
        "citizen": citizen,
        "owner": owner,
        "notes": (notes or "").strip(),
    }
    _validate(values)
    gdpr_request = GdprRequest(
        **values,
        details=_clean_details(kind, details, required=False),
        reference=_next_reference(received_on.year),
        deadline=legal_deadline(received_on=received_on),
    )
    return save_tracked(gdpr_request, actor, "enregistrement de la demande")


# Rights the citizen must explain (what to correct, what to restrict, what they object to).
DETAILS_REQUIRED_KINDS = (GdprRequest.Kind.RECTIFICATION, GdprRequest.Kind.RESTRICTION, GdprRequest.Kind.OBJECTION)
DETAILS_MAX_LENGTH = 5000


def _clean_details(kind: str, details: str, *, required: bool = True) -> str:
    """The requester's own words, stripped; at most 5,000 characters, no NUL byte. ``required``: the
    citizen filing on the portal must explain a rectification, restriction or objection (the DPO recording
    a letter may leave them empty)."""
    details = (details or "").strip()
    if "\x00" in details:
        raise ValidationError({"details": _("Le texte contient un caractère non autorisé.")})
    if len(details) > DETAILS_MAX_LENGTH:
        raise ValidationError(
            {"details": _("Les précisions ne peuvent pas dépasser %(max)s caractères.") % {"max": DETAILS_MAX_LENGTH}}
        )
    if required and not details and kind in DETAILS_REQUIRED_KINDS:
        messages = {
            GdprRequest.Kind.RECTIFICATION: _("Indiquez les informations à corriger et ce qu'elles devraient être."),
            GdprRequest.Kind.RESTRICTION: _("Indiquez quelles données sont concernées et pourquoi."),
            GdprRequest.Kind.OBJECTION: _("Indiquez à quel traitement vous vous opposez et pour quelle raison."),
        }
        raise ValidationError({"details": messages[kind]})
    return details


@transaction.atomic
def gdpr_request_open_for_account(
    *,
    account,
    kind: str,
    requester_identity: str,
    citizen=None,
    received_on: datetime.date | None = None,
    details: str = "",
) -> GdprRequest:
    """Open a register entry for a request a citizen made themselves on the portal (channel *portal*,
    received today unless ``received_on``), with its legal deadline and the citizen's own ``details``.
    ``account`` is the citizen's own portal account (the author of the history row, kept on the entry);
    no DPO check: the person exercises their right."""
    if account is None or account.is_staff:
        raise PermissionDenied
    received_on = received_on or timezone.localdate()
    values = {
        "kind": kind,
        "requester_identity": (requester_identity or "").strip(),
        "received_on": received_on,
        "channel": GdprRequest.Channel.PORTAL,
        "citizen": citizen,
        "owner": None,
        "notes": "",
    }
    _validate(values)
    gdpr_request = GdprRequest(
        **values,
        details=_clean_details(kind, details),
        portal_account=account,
        reference=_next_reference(received_on.year),
        deadline=legal_deadline(received_on=received_on),
    )
    return save_tracked(gdpr_request, account, "demande faite sur le portail")


@transaction.atomic
def gdpr_request_from_portal(*, account, kind: str, requester_identity: str, details: str = "") -> GdprRequest:
    """A citizen exercises a right (Art. 15 to 21) from Mon espace: the entry lands in the register at once
    (channel *portal*, received today, legal deadline), linked to the account's citizen record if it has
    one, and an acknowledgement goes by e-mail once this commits (reference, right, deadline; never the
    ``details``).

    ``account`` is the citizen's own active portal account (staff: ``PermissionDenied``);
    ``requester_identity`` is computed by the portal (``portal.accounts.selectors.requester_identity``).
    ``details`` are required for rectification, restriction and objection, 5,000 characters at most.
    A second *open* request of the same kind by the same account is refused, naming the first one.
    Erasure here asks the DPO to erase records; the portal account's own deletion has its own request.
    """
    if account is None or not getattr(account, "is_authenticated", False) or account.is_staff:
        raise PermissionDenied
    if not account.is_active:
        raise PermissionDenied
    if kind not in GdprRequest.Kind.values:
        raise ValidationError({"kind": _("Choisissez le droit que vous souhaitez exercer.")})
    details = _clean_details(kind, details)
    # The account's row lock serialises two submissions of the same form (double click, two tabs).
    User.objects.select_for_update().filter(pk=account.pk).values_list("pk", flat=True).first()
    existing = (
        GdprRequest.objects.filter(portal_account=account, kind=kind, status__in=GdprRequest.OPEN_STATUSES)
        .order_by("received_on", "pk")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            {
                "kind": _(
                    "Vous avez déjà une demande en cours pour ce droit (%(reference)s, reçue le %(date)s) : le "
                    "délégué à la protection des données vous répondra. Vous pourrez en faire une nouvelle une "
                    "fois celle-ci traitée."
                )
                % {"reference": existing.reference, "date": existing.received_on.strftime("%d/%m/%Y")}
            }
        )
    citizen = Citizen.objects.filter(user=account).first()
    gdpr_request = gdpr_request_open_for_account(
        account=account, kind=kind, requester_identity=requester_identity, citizen=citizen, details=details
    )
    # By the worker: a slow mail server must not hold the citizen's page.
    enqueue_on_commit(
        gdpr_acknowledgement_send,
        gdpr_request.pk,
        what=f"acknowledgement of {gdpr_request.pk}",
        on_failure=lambda: None,  # the entry is in the register all the same; the DPO answers it
    )
    logger.info("privacy: register entry %s opened from the portal (account %s)", gdpr_request.pk, account.pk)
    return gdpr_request


def _open_account_deletion(gdpr_request: GdprRequest) -> bool:
    # privacy does not import the portal: the portal's AccountDeletionRequest points at its register entry.
    return GdprRequest.objects.filter(pk=gdpr_request.pk, account_deletion__status="open").exists()


@transaction.atomic
def gdpr_request_update(*, gdpr_request: GdprRequest, actor, **changes) -> GdprRequest:
    """Change what was recorded (kind, citizen, identity, the requester's details, receipt date, channel,
    owner, notes).

    A new receipt date moves the legal deadline (and an extension keeps its two months on top).
    """
    _check_dpo(actor)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if not gdpr_request.is_open:
        raise ValidationError(_("Une demande close ne peut plus être modifiée."))
    values = {name: getattr(gdpr_request, name) for name in EDITABLE_FIELDS}
    values.update(changes)
    values["requester_identity"] = (values["requester_identity"] or "").strip()
    values["notes"] = (values["notes"] or "").strip()
    _validate(values)
    values["details"] = _clean_details(values["kind"], values["details"], required=False)
    for name, value in values.items():
        setattr(gdpr_request, name, value)
    gdpr_request.deadline = legal_deadline(received_on=gdpr_request.received_on)
    if gdpr_request.extended_deadline is not None:
        gdpr_request.extended_deadline = add_months(gdpr_request.deadline, EXTENSION_MONTHS)
    return save_tracked(gdpr_request, actor, "modification de la demande")


@transaction.atomic
def gdpr_request_extend(*, gdpr_request: GdprRequest, actor, reason: str, today=None) -> GdprRequest:
    """Extend the deadline by two months (once), with the reason given to the person (Art. 12(3))."""
    _check_dpo(actor)
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if gdpr_request.status not in (S.RECEIVED, S.IDENTITY_CHECK, S.IN_PROGRESS):
        raise ValidationError(_("Le délai de cette demande ne peut plus être prolongé."))
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de la prolongation, communiqué au demandeur.")})
    if today > gdpr_request.deadline:
        raise ValidationError(
            _("Le délai d'un mois est dépassé : la prolongation devait être notifiée avant le %(date)s.")
            % {"date": gdpr_request.deadline.strftime("%d/%m/%Y")}
        )
    gdpr_request.status = S.EXTENDED
    gdpr_request.extension_reason = reason
    gdpr_request.extended_deadline = add_months(gdpr_request.deadline, EXTENSION_MONTHS)
    return save_tracked(gdpr_request, actor, "prolongation du délai")


@transaction.atomic
def gdpr_request_transition(
    *, gdpr_request: GdprRequest, actor, to_status: str, reason: str = "", on: datetime.date | None = None
) -> GdprRequest:
    """Move the request along its workflow. *answered* records the answer date (default today);
    *refused* needs the reason told to the person (e.g. manifestly unfounded, identity not proven)."""
    _check_dpo(actor)
    if to_status == S.EXTENDED:
        raise ValidationError(_("Utilisez la prolongation du délai, avec son motif."))
    if to_status not in TRANSITIONS.get(gdpr_request.status, set()):
        raise ValidationError(
            _("Passage impossible de « %(from)s » à « %(to)s ».")
            % {"from": gdpr_request.get_status_display(), "to": S(to_status).label if to_status in S.values else "?"}
        )
    if to_status in (S.ANSWERED, S.REFUSED) and _open_account_deletion(gdpr_request):
        raise ValidationError(
            _(
                "Cette demande vient d'une demande de suppression de compte du portail : utilisez « Supprimer "
                "le compte » ou « Refuser la suppression »."
            )
        )
    reason = (reason or "").strip()
    if to_status == S.REFUSED:
        if not reason:
            raise ValidationError({"reason": _("Indiquez le motif du refus, communiqué au demandeur.")})
        gdpr_request.refusal_reason = reason
    if to_status in (S.ANSWERED, S.REFUSED):
        answered_on = on or timezone.localdate()
        if answered_on < gdpr_request.received_on:
            raise ValidationError({"on": _("La date de réponse précède la date de réception.")})
        gdpr_request.answered_on = answered_on
    gdpr_request.status = to_status
    why = f"statut : {S(to_status).label}"
    if reason and to_status != S.REFUSED:
        why = f"{why} — {reason}"
    return save_tracked(gdpr_request, actor, why)


@transaction.atomic
def gdpr_request_link_archive(*, gdpr_request: GdprRequest, archive, actor) -> GdprRequest:
    _check_dpo(actor)
    gdpr_request.archive = archive
    return save_tracked(gdpr_request, actor, "archive de droit d'accès jointe")


@transaction.atomic
def withholding_set(*, actor, reason: str, note=None, document=None, mail_item=None) -> Withholding:
    """Flag a note or a document as holding third-party information: access archives leave it out
    and say so. Only the DPO decides (an author asks the DPO)."""
    _check_dpo(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez pourquoi cet élément n'est pas communicable.")})
    targets = {"note": note, "document": document, "mail_item": mail_item}
    chosen = {name: value for name, value in targets.items() if value is not None}
    if len(chosen) != 1:
        raise ValidationError(_("Choisissez une note, un document ou un courrier."))
    withholding = Withholding.objects.filter(**chosen).first() or Withholding(**chosen, flagged_by=actor)
    withholding.reason = reason[:255]
    return save_tracked(withholding, actor, "élément retenu (données de tiers)")


@transaction.atomic
def withholding_remove(*, actor, withholding: Withholding) -> None:
    """Communicate again a note or document that was withheld (the DPO changed their mind)."""
    _check_dpo(actor)
    track(withholding, actor, "élément de nouveau communicable")
    withholding.delete()


def retention_dry_run_request(*, rule, actor):
    """Ask for a dry run of ``rule`` from the retention screen (DPO only): records its ``RetentionRun``
    *queued* and enqueues ``privacy.tasks.retention_dry_run(run_id, actor_id)`` on commit; the task
    makes the run running, then done with its report. Returns the run (done already, after commit, when
    the backend runs tasks at once).

    Refused (``ValidationError``, French) while a dry run of the same rule is queued or running within
    ``PRIVACY_DRY_RUN_LEASE_SECONDS``; a queued one older than that was never taken by a worker and is
    marked failed here, so that a late delivery of its task does nothing."""
    _check_dpo(actor)
    with transaction.atomic():
        # The rule's row lock serialises two clicks: the second sees the first one's queued run.
        RetentionRule.objects.select_for_update().filter(pk=rule.pk).values_list("pk", flat=True).first()
        if dry_run_in_progress(rule):
            raise ValidationError(
                _(
                    "Une simulation de la règle « %(label)s » est déjà en cours : attendez son rapport avant "
                    "d'en lancer une autre."
                )
                % {"label": rule.label}
            )
        stalled = RetentionRun.objects.filter(
            rule=rule,
            dry_run=True,
            status=RetentionRun.Status.QUEUED,
            started_at__lt=lease_cutoff(DRY_RUN_LEASE),
        ).values_list("pk", flat=True)
        for run_id in stalled:
            retention_dry_run_fail(run_id=run_id, actor=actor, message=DRY_RUN_STALLED)
        run = save_tracked(
            RetentionRun(
                rule=rule, actor=actor, dry_run=True, cutoff=rule.cutoff(), status=RetentionRun.Status.QUEUED
            ),
            actor,
            "simulation demandée",
        )
        enqueue_on_commit(
            retention_dry_run,
            run.pk,
            actor.pk,
            what=f"retention dry run {run.pk}",
            on_failure=lambda: retention_dry_run_fail(run_id=run.pk, actor=actor, message=DRY_RUN_NOT_QUEUED),
        )
    return run


def access_archive_request(
    *, gdpr_request: GdprRequest, actor, include_staff_names: bool = False, request=None
) -> AccessArchive:
    """Ask for the access-right archive of the request's citizen (DPO only): records it *pending* and
    enqueues its compilation on commit (``privacy.tasks.compile_access_archive``), which logs the
    read with ``actor`` as the reader. Nothing slow happens here.

    Refused (``ValidationError``, French) without a matched citizen, or while an archive of the same
    request is still being prepared; a pending archive older than the lease (its worker died) is marked
    failed and a new one may be asked for."""
    _check_dpo(actor)
    if gdpr_request.citizen_id is None:
        raise ValidationError(_("Rapprochez d'abord la demande d'une fiche usager (numéro d'usager)."))
    request_id = getattr(request, "request_id", "") if request is not None else ""
    with transaction.atomic():
        # The register entry's row lock serialises two clicks: the second sees the first one's archive.
        GdprRequest.objects.select_for_update().filter(pk=gdpr_request.pk).values_list("pk", flat=True).first()
        now = timezone.now()
        for pending in AccessArchive.objects.filter(gdpr_request=gdpr_request, status=AccessArchive.Status.PENDING):
            if not pending.is_stalled(now):
                raise ValidationError(
                    _(
                        "L'archive n° %(pk)s de cette demande est déjà en préparation : attendez qu'elle soit "
                        "prête avant d'en demander une autre."
                    )
                    % {"pk": pending.pk}
                )
            archive_fail(pending.pk, message=FAILURE_STALLED, actor=actor)
        archive = save_tracked(
            AccessArchive(
                citizen_id=gdpr_request.citizen_id,
                gdpr_request=gdpr_request,
                created_by=actor,
                include_staff_names=include_staff_names,
            ),
            actor,
            "archive demandée",
        )
        enqueue_on_commit(
            compile_access_archive,
            archive.pk,
            actor.pk,
            request_id,
            what=f"access archive {archive.pk}",
            on_failure=lambda: archive_fail(archive.pk, message=FAILURE_NOT_QUEUED, actor=actor),
        )
    return archive


def erasure_request(*, gdpr_request: GdprRequest, actor, request=None) -> ErasureExecution:
    """Ask for the erasure (Art. 17) of the request's citizen (DPO only): records an ``ErasureExecution``
    *pending* and enqueues on commit ``privacy.tasks.execute_erasure(erasure_id, actor_id)``, which
    runs ``privacy.retention.citizen_erase`` as ``actor``. Nothing slow happens here: writing the Archives
    export of a citizen with hundreds of documents takes minutes, more than a web request may.

    Refused at once (``ValidationError``, French) under the conditions of ``erasure_check``, and while an
    erasure of the same request is pending or running within ``PRIVACY_ERASURE_LEASE_SECONDS``; one older
    than that lost its worker and is marked failed, and a new one may be asked for. ``request`` (the DPO's
    HTTP request) is not needed: the worker's writes name the DPO, not a request."""
    _check_dpo(actor)
    with transaction.atomic():
        # The register entry's row lock serialises two clicks: the second sees the first one's erasure.
        locked = GdprRequest.objects.select_for_update().filter(pk=gdpr_request.pk).first()
        if locked is None:
            raise ValidationError("Cette demande n'existe plus.")
        now = timezone.now()
        active = list(
            ErasureExecution.objects.filter(gdpr_request=locked, status__in=ErasureExecution.ACTIVE_STATUSES)
        )
        for erasure in active:
            if not erasure.is_stalled(now):
                raise ValidationError(
                    _(
                        "L'effacement n° %(pk)s de cette demande est déjà en attente ou en cours : attendez son "
                        "résultat avant d'en demander un autre."
                    )
                    % {"pk": erasure.pk}
                )
        erasure_check(gdpr_request=locked)
        for erasure in active:
            erasure_close(
                erasure.pk, actor=actor, from_statuses=ErasureExecution.ACTIVE_STATUSES, error=ERASURE_FAILURE_STALLED
            )
        erasure = save_tracked(
            ErasureExecution(gdpr_request=locked, requested_by=actor, requested_at=now), actor, "effacement demandé"
        )
        enqueue_on_commit(
            execute_erasure,
            erasure.pk,
            actor.pk,
            what=f"erasure {erasure.pk}",
            on_failure=lambda: erasure_close(
                erasure.pk,
                actor=actor,
                from_statuses=[ErasureExecution.Status.PENDING],
                error=ERASURE_FAILURE_NOT_QUEUED,
            ),
        )
    return erasure
