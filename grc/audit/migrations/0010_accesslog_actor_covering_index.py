"""Replace the (actor, at) index of the access log with a covering one, built and dropped CONCURRENTLY.

The log holds tens of millions of rows and is written on every read of personal data: a plain
CREATE INDEX would block those writes for the whole build.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0009_drop_redundant_fk_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="accesslog",
            index=models.Index(
                fields=["actor", "at", "id"],
                include=["seq", "action", "object_type", "object_id", "citizen", "purpose", "ip", "request_id"],
                name="accesslog_actor_cover",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="accesslog",
            name="accesslog_actor_at",
        ),
    ]
