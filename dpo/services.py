"""Writes of the DPO console: handling an alert, tuning an alert rule, asking for a verification of the log.

Each records who did it, when and why (the object's history, or the verification run). The alert and the
rule reach these services through the console's selectors (``dpo.selectors.alert_get``,
``alert_rule_get``), which let only the DPO in; a rule is also tuned from the Django admin
(``dpo.admin``), through the same service.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from grc.audit.alert_rules import SCHEMA, rule_params, show_value, validate_params
from grc.audit.models import Alert, AlertRule, LogVerification
from grc.audit.tasks import verify_access_log
from grc.audit.verify import VERIFY_LEASE
from grc.history import save_tracked
from grc.scheduling import enqueue_on_commit, lease_cutoff

from .perms import can_use_dpo_console

# pg_advisory_xact_lock key serialising the DPO's "Vérifier maintenant" clicks ("GRCVERIF").
_REQUEST_LOCK = 0x4752435645524946


def alert_update(*, alert, actor, status: str, owner=None, note: str = "") -> None:
    """The DPO handles an alert: status (open, justified, escalated), owner, and a dated note.

    Notes are appended (never rewritten), signed and dated; each change is a history row (who,
    when, what), shown on the alert page.
    """
    if status not in Alert.Status.values:
        raise ValueError(status)
    changes = []
    if status != alert.status:
        changes.append(f"statut : {Alert.Status(alert.status).label} → {Alert.Status(status).label}")
        alert.status = status
    if (owner.pk if owner else None) != alert.owner_id:
        changes.append("responsable modifié")
        alert.owner = owner
    if note.strip():
        stamp = timezone.localtime().strftime("%d/%m/%Y %H:%M")
        signed = f"[{stamp} — {actor.get_full_name() or actor.email}] {note.strip()}"
        alert.notes = f"{alert.notes}\n{signed}".strip()
        changes.append("note ajoutée")
    if not changes:
        return
    with transaction.atomic():
        save_tracked(alert, actor, "; ".join(changes))


@transaction.atomic
def alert_rule_update(
    *, rule: AlertRule, actor, enabled: bool, params: dict, reason: str, description: str | None = None
) -> AlertRule:
    """The DPO (or an administrator) changes a rule: on/off, thresholds (and, from the Django admin, its
    description), with a reason.

    Thresholds are checked against ``SCHEMA`` (``ValidationError`` with French messages, nothing
    saved); the history row records the actor, the reason and what changed. Detection keeps its
    position (``last_seq``): new thresholds apply to the rows not analysed yet.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif de la modification."})
    values, errors = validate_params(rule.kind, params)
    if errors:
        raise ValidationError(errors)
    current = rule_params(rule)
    labels = {t.name: t.label for t in SCHEMA.get(rule.kind, ())}
    changes = []
    if enabled != rule.enabled:
        changes.append("règle activée" if enabled else "règle désactivée")
    fields = ["enabled", "params"]
    if description is not None and description != rule.description:
        changes.append("description")
        rule.description = description
        fields.append("description")
    for name, value in values.items():
        if value != current.get(name):
            changes.append(f"{labels[name]} : {show_value(current.get(name))} → {show_value(value)}")
    if not changes and values == (rule.params or {}):
        return rule
    rule.enabled = enabled
    rule.params = values
    what = " ; ".join(changes) or "seuils réenregistrés"
    return save_tracked(rule, actor, f"{reason} ({what})", update_fields=fields)


def verification_request(*, actor):
    """The DPO's "Vérifier maintenant": records the verification (unfinished, ``started_at`` = when asked)
    and enqueues ``grc.audit.tasks.verify_access_log`` for it on commit; nothing slow here.

    Refused (``ValidationError``, French) while another verification is unfinished within
    ``VERIFY_LEASE``: each one reads the whole log. An enqueue failure records the run as failed."""
    if not can_use_dpo_console(actor):
        raise PermissionDenied
    with transaction.atomic():
        with connection.cursor() as cursor:  # two clicks at once: the second one sees the first one's row
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REQUEST_LOCK])
        now = timezone.now()
        live = (
            LogVerification.objects.filter(finished_at__isnull=True, started_at__gte=lease_cutoff(VERIFY_LEASE, now))
            .order_by("-started_at")
            .first()
        )
        if live is not None:
            asked = timezone.localtime(live.started_at).strftime("%d/%m/%Y à %H:%M")
            raise ValidationError(
                f"Une vérification est déjà en cours (demandée le {asked}) : son résultat s'affichera ici."
            )
        run = LogVerification.objects.create(started_at=now)
        enqueue_on_commit(
            verify_access_log,
            run.pk,
            what=f"access-log verification {run.pk}",
            on_failure=lambda: LogVerification.objects.filter(pk=run.pk, finished_at__isnull=True).update(
                finished_at=timezone.now(), ok=False, message="La vérification n'a pas pu être lancée ; relancez-la."
            ),
        )
    return run
