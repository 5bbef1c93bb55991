from django.db import migrations

from grc.audit import sql


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunSQL(sql.CREATE, reverse_sql=sql.DROP)]
