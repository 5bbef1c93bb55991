"""Background tasks of the GDPR screens and of retention.

* ``apply_retention``: the DPO-console scheduler runs it daily.
* ``compile_access_archive``: compiles an access-right archive the DPO asked for in the register
  (``privacy.services.access_archive_request`` enqueues it on commit): reading every record and file of
  a citizen with hundreds of documents takes minutes, more than a web request may.
* ``gdpr_acknowledgement_send``: the acknowledgement e-mail of a rights request filed on the portal
  (``services.gdpr_request_from_portal`` enqueues it on commit; a slow mail server never holds the page).
* ``retention_dry_run``: the dry run of one rule asked for from the retention screen
  (``privacy.services.retention_dry_run_request``): a rule over 300,000 files counts and lists for
  minutes too. The screen records its ``RetentionRun`` queued; the task makes it running, then done.
* ``execute_erasure``: the erasure (Art. 17) the DPO asked for on a register entry
  (``privacy.services.erasure_request`` enqueues it on commit): the export for the Archives
  départementales of a citizen with hundreds of documents, then the anonymisation, take minutes too.
"""

import logging

from django_tasks import task

from grc.models import User

from .archive.compile import access_archive_build
from .emails import acknowledgement_send
from .models import RetentionRun
from .perms import is_dpo
from .retention import erasure_run, retention_apply, retention_apply_all, retention_rules_ensure
from .retention.run import DRY_RUN_NOT_DPO, retention_dry_run_fail

logger = logging.getLogger(__name__)


@task()
def apply_retention(dry_run: bool = False) -> list[dict]:
    """Apply every active retention rule; returns, per rule, the run id and its counts (no personal data)."""
    retention_rules_ensure(actor=None)
    return [
        {"run": run.pk, "purpose": run.rule.purpose, "status": run.status, "counts": run.counts}
        for run in retention_apply_all(actor=None, dry_run=dry_run)
    ]


@task()
def compile_access_archive(archive_id: int, actor_id: int, request_id: str = "") -> str:
    """Compile the pending archive as the DPO ``actor_id`` who asked (the access log names them, with the
    id of the request that asked); "ready", "failed" (the archive says why, in French) or "skipped"."""
    return access_archive_build(archive_id=archive_id, actor_id=actor_id, request_id=request_id)


@task()
def execute_erasure(erasure_id: int, actor_id: int) -> str:
    """Run the pending erasure ``erasure_id`` as the DPO ``actor_id`` who asked (the retention runs, exports
    and history name them): "done", "failed" (the erasure says why, in French) or "skipped" (no longer
    pending: the task delivered a second time, or the erasure given up as lost)."""
    return erasure_run(erasure_id=erasure_id, actor_id=actor_id)


@task()
def gdpr_acknowledgement_send(gdpr_request_id: int) -> bool:
    """E-mail the acknowledgement of a rights request filed on the portal (``emails.acknowledgement_send``)."""
    return acknowledgement_send(gdpr_request_id=gdpr_request_id)


@task()
def retention_dry_run(run_id: int, actor_id: int) -> dict:
    """The queued dry run ``run_id`` asked for from the screen, counted as the DPO ``actor_id`` who asked;
    returns the run's id and status (no personal data). A DPO who lost the role meanwhile gets nothing
    run: the run is marked failed, saying why in French. A run no longer queued (the task delivered a
    second time, or given up as lost) is left alone."""
    run = RetentionRun.objects.select_related("rule").filter(pk=run_id, dry_run=True).first()
    if run is None:
        return {"run": None, "status": "missing"}
    actor = User.objects.filter(pk=actor_id).first()
    if actor is None or not is_dpo(actor):
        retention_dry_run_fail(run_id=run.pk, actor=actor, message=DRY_RUN_NOT_DPO)
    else:
        try:
            run = retention_apply(rule=run.rule, actor=actor, dry_run=True, run=run)
        except Exception as error:  # retention_apply recorded the run as failed
            logger.warning("retention: dry run of rule %s failed (%s)", run.rule.purpose, type(error).__name__)
    run.refresh_from_db(fields=["status"])
    return {"run": run.pk, "status": run.status}
