"""Demo data of the audit area: alert rules, a few access-log rows that make alerts fire, one detection run.

Idempotent: the demo rows carry ``request_id`` ``demo-audit-…`` and are written once. The night-time
reads and the export burst are dated in the past: written through the owner's path
(``access_log_write_dated``), so ``seed_demo`` must run as the owner for them (``make demo`` does).
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from grc.audit.alerts import detect, ensure_default_rules
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write, access_log_write_dated, may_write_dated
from grc.matching.names import normalise_name
from grc.models import Citizen, User

DEMO_DOMAIN = "demo.grc.local"
logger = logging.getLogger(__name__)


def _user(local_part):
    return User.objects.filter(email=f"{local_part}@{DEMO_DOMAIN}").first()


def seed(*, actor, counts) -> None:
    """The registered seeder (``demo.audit``): the alert rules, the demo access rows once, one detection run."""
    ensure_default_rules()
    if AccessLog.objects.filter(request_id__startswith="demo-audit-").exists():
        counts.add("Accès de démonstration (alertes)", created=False)
        detect()
        return
    worker = _user("ts.vitre")
    instructor = _user("instructeur.rsa")
    citizens = list(Citizen.objects.order_by("pk").values_list("pk", flat=True)[:12])
    if worker is None or not citizens:
        return
    if not may_write_dated():
        # Past-dated rows are the owner's path (the database refuses a date from the runtime role):
        # `make demo` seeds as the owner (GRC_DATABASE_ROLE=owner).
        logger.warning("audit demo rows skipped: run seed_demo with GRC_DATABASE_ROLE=owner to write them")
        counts.add("Accès de démonstration (alertes)", created=False)
        detect()
        return
    tz = timezone.get_current_timezone()
    # Night-time reads by the Vitré social worker, two nights ago around 23:00 local time.
    night = datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=2), datetime.time(23, 5), tz)
    for i, citizen_id in enumerate(citizens[:4]):
        access_log_write_dated(
            actor=worker,
            action=AccessLog.Action.CITIZEN_VIEW,
            citizen=citizen_id,
            object_type="grc.citizen",
            object_id=citizen_id,
            at=night + datetime.timedelta(minutes=7 * i),
            request_id=f"demo-audit-night-{i}",
        )
    # A citizen with the worker's own surname, read once.
    namesake = (
        Citizen.objects.filter(norm_birth_name=normalise_name(worker.last_name)).values_list("pk", flat=True).first()
    )
    if namesake:
        access_log_write(
            actor=worker,
            action=AccessLog.Action.CITIZEN_VIEW,
            citizen=namesake,
            object_type="grc.citizen",
            object_id=namesake,
            request_id="demo-audit-namesake",
        )
    # A burst of exports by the RSA instructor yesterday afternoon.
    if instructor is not None:
        afternoon = datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=1), datetime.time(15), tz)
        for i in range(12):
            access_log_write_dated(
                actor=instructor,
                action=AccessLog.Action.EXPORT,
                object_type="grc.citizen",
                purpose="Export de liste (démonstration)",
                at=afternoon + datetime.timedelta(minutes=i),
                request_id=f"demo-audit-export-{i}",
            )
    counts.add("Accès de démonstration (alertes)", created=True)
    detect()
