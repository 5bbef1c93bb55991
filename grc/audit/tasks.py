"""Background tasks of the audit area (django-tasks; run by the scheduler, see ``grc.scheduling``)."""

from django_tasks import task

from .alerts import detect, ensure_default_rules
from .verify import seal_if_intact, verify_and_record


@task()
def detect_access_anomalies() -> dict:
    """Run the anomaly rules over the access-log rows not analysed yet (every 15 minutes).

    A rule that fails does not stop the others; it is named in ``failed`` (kind → exception class)
    and on the DPO's alert and rule pages.
    """
    ensure_default_rules()
    summary = detect()
    return {"rows": summary.rows, "raised": summary.raised, "updated": summary.updated, "failed": summary.failed}


@task()
def verify_access_log(run_id: int | None = None) -> dict:
    """Recompute the hash chain and store the result: daily at 02:00 (a new run), or the run the DPO asked
    for (``run_id``, see ``dpo.services.verification_request``; skipped if already finished)."""
    run, report = verify_and_record(run_id=run_id)
    if run is None:
        return {"run": run_id, "skipped": True}
    return {"ok": report.ok, "rows": report.checked, "first_bad_seq": report.first_bad_seq, "run": run.pk}


@task()
def seal_access_log() -> dict:
    """Every 5 minutes: check the rows since the latest seal (and every seal), then seal the chain's new end
    (``grc.audit.verify.seal_if_intact``). A failure is recorded for the DPO console and nothing is sealed."""
    sealed, problems = seal_if_intact(reason="tick")
    return {"sealed": sealed, "problems": len(problems)}
