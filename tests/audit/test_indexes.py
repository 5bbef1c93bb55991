"""Every console filter can be served by an index of the access log (the table holds tens of millions of rows).

The table gets 20,000 analysed rows and sequential scans are switched off; each filter's plan must use
its own index (not, say, the date index with a filter on top). The rows are loaded with the chain
trigger off, which only the table's owner may do: everything runs on the ``owner`` alias, in a
transaction rolled back after the test (``owner_db``).
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from grc.audit import selectors
from grc.audit.models import AccessLog

pytestmark = pytest.mark.django_db(databases=["default", "owner"])

SINCE = timezone.now() - datetime.timedelta(days=30)


@pytest.mark.parametrize(
    "filters,index",
    [
        (selectors.LogFilters(actor=1, since=SINCE), "accesslog_actor_cover"),
        (selectors.LogFilters(citizen=1), "accesslog_citizen_at"),
        (selectors.LogFilters(action=AccessLog.Action.EXPORT, since=SINCE), "accesslog_action_at"),
        (selectors.LogFilters(purpose="Accès d'urgence"), "accesslog_purpose_at"),
        (selectors.LogFilters(since=SINCE), "accesslog_at"),
    ],
    ids=["actor", "citizen", "action", "purpose", "period"],
)
def test_filter_is_served_by_its_index(filters, index, owner_db):
    # A few thousand rows spread like real ones (many actors and citizens, rare exports and purposes), analysed.
    with owner_db.cursor() as cursor:
        # Plans only: skip the chain trigger (rolled back with the test's transaction).
        cursor.execute("ALTER TABLE audit_accesslog DISABLE TRIGGER audit_accesslog_chain")
        cursor.execute(
            """INSERT INTO audit_accesslog (seq, prev_hash, hash, at, actor_id, action, object_type, object_id,
                                            citizen_id, purpose, request_id)
               SELECT i, '', '', now() - (i || ' minutes')::interval, i % 300,
                      CASE WHEN i % 1000 = 0 THEN 'export'
                           ELSE (ARRAY['file.view', 'citizen.view', 'file.notes'])[i % 3 + 1] END,
                      '', '', i % 2000,
                      CASE WHEN i % 500 = 0 THEN 'Accès d''urgence' ELSE '' END, ''
               FROM generate_series(1, 20000) AS i"""
        )
        cursor.execute("ALTER TABLE audit_accesslog ENABLE TRIGGER audit_accesslog_chain")
        cursor.execute("ANALYZE audit_accesslog")
    with transaction.atomic(using="owner"):
        with owner_db.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = selectors._base(filters, None)[:51].using("owner").explain()
    assert "Seq Scan on audit_accesslog" not in plan, plan
    assert index in plan, plan
