"""Tasks queued before the app left grc/ name their old path: point them to the new one."""

from django.db import migrations

from grc.migration_ops import rename_queued_task_paths


class Migration(migrations.Migration):
    dependencies = [
        ("grc_requests", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [rename_queued_task_paths("grc.requests.tasks.", "demandes.tasks.")]
