"""The access log's table settings that its size depends on (tens of millions of rows)."""

import pytest
from django.db import connection

from grc.audit import selectors
from grc.audit.models import AccessLog

pytestmark = pytest.mark.django_db


def test_the_log_is_autovacuumed_by_one_percent_of_its_rows():
    # Default thresholds (20 %) leave index-only scans and the planner's date probes to degrade for
    # weeks on a table this size (see migration audit 0011).
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'audit_accesslog'")
        (options,) = cursor.fetchone()
    assert set(options) >= {
        "autovacuum_vacuum_scale_factor=0.01",
        "autovacuum_vacuum_insert_scale_factor=0.01",
        "autovacuum_analyze_scale_factor=0.01",
    }


def test_every_column_the_console_lists_is_in_the_covering_actor_index():
    # One person's month (thousands of rows, each on its own heap page) must stay an index-only scan:
    # a column added to the console's list must be added to the index too.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'accesslog_actor_cover'")
        (definition,) = cursor.fetchone()
    key, included = definition.split("(", 1)[1].split(" INCLUDE ")
    columns = {c.strip(" ()") for c in (key + "," + included).split(",")}
    assert key.startswith("actor_id, at, id")
    listed = {AccessLog._meta.get_field(name).column for name in selectors.LIST_FIELDS}
    assert listed <= columns, listed - columns
