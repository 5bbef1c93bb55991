"""Migrate a database made by an older commit, data included, with the code of this tree.

    .venv/bin/python bench/migrate_from.py <commit> [--demo-citizens N] [--database NAME]

1. checks the commit out in a temporary worktree and, with ITS code, migrates a scratch database on
   the embedded server and loads its demo data (``seed_demo``, as the owner role);
2. counts the rows of every table and reads django_migrations;
3. runs THIS tree's ``migrate`` on the same database, then checks: no table created, renamed or
   dropped; the same rows in every table; every model of this tree reads its table (a count per
   model equals the table's count); ``makemigrations --check`` finds nothing.

It is how a re-layering that moves apps between packages (issue 14: grc/requests -> demandes/, …)
proves that app labels and tables did not change. Prints the figures and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"

SNAPSHOT = r"""
import json, django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    cursor.execute("SELECT DISTINCT task_path FROM django_tasks_database_dbtaskresult ORDER BY 1")
    task_paths = [row[0] for row in cursor.fetchall()]
models = {}
unimportable = []
if MODELS:
    from django.utils.module_loading import import_string
    for path in task_paths:
        try:
            import_string(path)
        except ImportError:
            unimportable.append(path)
    from django.apps import apps
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            models[f"{model._meta.label}"] = [model._meta.db_table, model._base_manager.count()]
print(json.dumps({"counts": counts, "migrations": migrations, "models": models, "tasks": task_paths,
                  "unimportable": unimportable}))
"""


def run(args, *, cwd, env, capture=False):
    result = subprocess.run(args, cwd=cwd, env=env, text=True, capture_output=capture)  # noqa: S603 (our own argv)
    if result.returncode:
        sys.stderr.write((result.stdout or "") + (result.stderr or ""))
        raise SystemExit(f"échec : {' '.join(map(str, args))} (code {result.returncode})")
    return result.stdout


def snapshot(*, cwd, env, models):
    code = SNAPSHOT.replace("if MODELS:", f"if {models!r}:")
    out = run([PYTHON, "-c", code], cwd=cwd, env=env, capture=True)
    return json.loads(out.strip().splitlines()[-1])


def build_with(commit, *, env, database, demo_citizens):
    """Migrate and seed ``database`` with ``commit``'s code, queue a task with it; its snapshot and duration."""
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        run(["git", "worktree", "add", "--detach", str(old), commit], cwd=ROOT, env=env, capture=True)
        try:
            # A database left by a previous run is dropped first, so the old code builds it from nothing.
            drop = (
                "from config.embedded_db import drop_database; from pathlib import Path; "
                f"drop_database(Path({str(ROOT / 'var' / 'pgdata')!r}), {database!r})"
            )
            run([PYTHON, "-c", drop], cwd=ROOT, env=env)
            started = time.monotonic()
            run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=old, env=env)
            seed = [PYTHON, "manage.py", "seed_demo", "--demo-citizens", str(demo_citizens), "--no-progress"]
            run(seed, cwd=old, env=env, capture=True)
            # A letter recovery queued by the old code, still waiting when the new code arrives.
            enqueue = (
                "import django; django.setup(); from grc.mail.tasks import recover_stalled_mail as t; t.enqueue()"
            )
            run([PYTHON, "-c", enqueue], cwd=old, env=env)
            return snapshot(cwd=old, env=env, models=False), time.monotonic() - started
        finally:
            run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, env=env)


def differences(before, after, *, makemigrations):
    """What differs between the old code's database and the same database migrated by this tree."""
    problems = []
    created = sorted(set(after["counts"]) - set(before["counts"]))
    dropped = sorted(set(before["counts"]) - set(after["counts"]))
    # django_migrations gains the rows of the migrations applied, checked on its own below.
    changed = sorted(
        t
        for t in before["counts"]
        if t in after["counts"] and t != "django_migrations" and before["counts"][t] != after["counts"][t]
    )
    if created:
        problems.append(f"tables créées : {created}")
    if dropped:
        problems.append(f"tables disparues : {dropped}")
    if changed:
        problems.append(
            "lignes changées : " + ", ".join(f"{t} {before['counts'][t]}→{after['counts'][t]}" for t in changed)
        )
    unread = sorted(label for label, (table, count) in after["models"].items() if after["counts"].get(table) != count)
    if unread:
        problems.append(f"modèles qui ne lisent pas leur table : {unread}")
    new_migrations = set(after["migrations"]) - set(before["migrations"])
    if after["counts"]["django_migrations"] != before["counts"]["django_migrations"] + len(new_migrations):
        problems.append("django_migrations ne compte pas exactement les migrations appliquées")
    if after["unimportable"]:
        problems.append(f"tâches en file qui ne s'importent plus : {after['unimportable']}")
    if makemigrations.returncode:
        problems.append("makemigrations --check : " + makemigrations.stdout.strip())
    return problems, unread


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit")
    parser.add_argument("--demo-citizens", type=int, default=300)
    parser.add_argument("--database", default="migrate_from_proof")
    options = parser.parse_args()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "GRC_VAR_DIR": str(ROOT / "var"),
        "EMBEDDED_DATABASE_NAME": options.database,
        "GRC_DATABASE_ROLE": "owner",
    }
    env.pop("DATABASE_URL", None)
    before, built = build_with(options.commit, env=env, database=options.database, demo_citizens=options.demo_citizens)

    started = time.monotonic()
    migrate_output = run([PYTHON, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env, capture=True)
    migrated = time.monotonic() - started
    after = snapshot(cwd=ROOT, env=env, models=True)
    check = subprocess.run(  # noqa: S603 (our own argv)
        [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
    )
    problems, unread = differences(before, after, makemigrations=check)

    rows = sum(before["counts"].values())
    new_migrations = sorted(set(after["migrations"]) - set(before["migrations"]))
    print(f"commit {options.commit} : {len(before['counts'])} tables, {rows} lignes, base construite en {built:.0f} s")
    print(f"migrate de cet arbre : {migrated:.1f} s, migrations appliquées : {new_migrations or 'aucune'}")
    print(f"modèles de cet arbre relus : {len(after['models'])} ({len(unread)} en écart)")
    print(
        f"tâches en file avant : {before['tasks']} ; après : {after['tasks']} "
        f"({len(after['unimportable'])} introuvables)"
    )
    print("\n".join(line for line in migrate_output.splitlines() if "Applying" in line) or "(rien à appliquer)")
    if problems:
        print("ÉCARTS :\n- " + "\n- ".join(problems))
        raise SystemExit(1)
    print("Aucun écart : mêmes tables, mêmes lignes, chaque modèle lit sa table.")


if __name__ == "__main__":
    main()
