"""Tasks queued before requests, mail and privacy left grc/ still name their old path; the apps'
migrations point them to the new one, so the worker runs them after the upgrade instead of failing."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from grc.migration_ops import rename_queued_task_paths

# Every task of the moved apps, by the path it had in grc/ (commit aa16149).
QUEUED_BEFORE_THE_MOVE = [
    "grc.mail.tasks.recognise_mail",
    "grc.mail.tasks.recover_stalled_mail",
    "grc.privacy.tasks.apply_retention",
    "grc.privacy.tasks.compile_access_archive",
    "grc.privacy.tasks.execute_erasure",
    "grc.privacy.tasks.gdpr_acknowledgement_send",
    "grc.privacy.tasks.retention_dry_run",
    "grc.requests.tasks.request_notice_send",
]
MIGRATIONS = [
    "mail.migrations.0002_queued_task_paths",
    "privacy.migrations.0009_queued_task_paths",
    "demandes.migrations.0002_queued_task_paths",
]


def _queued(path):
    return DBTaskResult.objects.create(
        task_path=path, args_kwargs={"args": [], "kwargs": {}}, backend_name="default", run_after=timezone.now()
    )


@pytest.mark.django_db
def test_the_migrations_point_every_task_queued_before_the_move_to_a_task_that_imports():
    rows = [_queued(path) for path in QUEUED_BEFORE_THE_MOVE]
    untouched = _queued("search.tasks.index_objects")
    for name in MIGRATIONS:
        (operation,) = importlib.import_module(name).Migration.operations
        operation.code(apps, None)
    for row in rows:
        row.refresh_from_db()
        assert not row.task_path.startswith("grc.")
        assert import_string(row.task_path).name == row.task_path.rsplit(".", 1)[1]
    untouched.refresh_from_db()
    assert untouched.task_path == "search.tasks.index_objects"


@pytest.mark.django_db
def test_reversing_the_rename_gives_the_old_paths_back():
    row = _queued("mail.tasks.recognise_mail")
    operation = rename_queued_task_paths("grc.mail.tasks.", "mail.tasks.")
    operation.reverse_code(apps, None)
    row.refresh_from_db()
    assert row.task_path == "grc.mail.tasks.recognise_mail"
    operation.code(apps, None)
    row.refresh_from_db()
    assert import_string(row.task_path).name == "recognise_mail"
