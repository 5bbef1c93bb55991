"""Background tasks of the GDPR screens and of retention.

* ``apply_retention``: the DPO-console scheduler runs it daily.
* ``compile_access_archive``: compiles an access-right archive the DPO asked for in the register
  (``grc.privacy.archive.access_archive_request`` enqueues it on commit): reading every record and file of
  a citizen with hundreds of documents takes minutes, more than a web request may.
"""

from django_tasks import task

from .archive import access_archive_build
from .retention import retention_apply_all, retention_rules_ensure


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
