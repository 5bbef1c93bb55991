"""System checks of the deployment's configuration (``manage.py check --deploy``)."""

from django.core import checks

from grc import dbroles


@checks.register(checks.Tags.database, deploy=True)
def check_database_roles(app_configs=None, **kwargs):
    """grc.W010: one database role for schema and application makes the access log tamper-evident only."""
    if dbroles.has_separate_owner():
        return []
    return [
        checks.Warning(
            "The application connects as the role that owns the database schema.",
            hint=(
                "Set DATABASE_OWNER_URL to a distinct owner role (docs/operations.md): as long as the "
                "application's role owns the tables, it can switch off the access log's triggers, "
                "so the log is only tamper-evident (the hash chain shows changes), not tamper-proof."
            ),
            id="grc.W010",
        )
    ]
