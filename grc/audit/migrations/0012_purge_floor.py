"""The access-log purge refuses cut-offs more recent than a floor the database keeps.

The floor (``audit_accesslog_min_retention_days()``) is written from ``ACCESS_LOG_MIN_RETENTION_DAYS``
here and again after every ``migrate`` (``grc.audit.apps``), by the owner role: the runtime role,
which may call the purge, cannot lower it.
"""

from django.conf import settings
from django.db import migrations

from grc.audit import sql


def create_floor(apps, schema_editor):
    schema_editor.execute(sql.min_retention_sql(getattr(settings, "ACCESS_LOG_MIN_RETENTION_DAYS", 180)))


class Migration(migrations.Migration):
    dependencies = [("audit", "0011_accesslog_autovacuum")]

    operations = [
        migrations.RunPython(create_floor, migrations.RunPython.noop),
        migrations.RunSQL(
            sql.PURGE_WITH_FLOOR,
            reverse_sql=sql._PURGE_V1 + f"DROP FUNCTION IF EXISTS {sql.MIN_RETENTION_FUNCTION}();",
        ),
    ]
