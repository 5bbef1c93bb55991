"""Operations that migrations of several apps share.

``rename_queued_task_paths``: when a module holding tasks moves (issue 14 took ``grc.mail``,
``grc.privacy`` and ``grc.requests`` out of ``grc``), the tasks already queued in the database still
name the old path, and the worker would fail to import them after the upgrade. The app's migration
rewrites them, and back again when it is reversed.
"""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Substr


def _rewrite(old_prefix: str, new_prefix: str):
    def rewrite(apps, schema_editor):
        results = apps.get_model("django_tasks_database", "DBTaskResult")
        results.objects.filter(task_path__startswith=old_prefix).update(
            task_path=Concat(Value(new_prefix), Substr("task_path", len(old_prefix) + 1))
        )

    return rewrite


def rename_queued_task_paths(old_prefix: str, new_prefix: str) -> migrations.RunPython:
    """A reversible operation that renames the task paths starting with ``old_prefix``."""
    return migrations.RunPython(_rewrite(old_prefix, new_prefix), _rewrite(new_prefix, old_prefix))
