from django.db import migrations

from grc.audit import sql


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_dpo_console")]

    operations = [migrations.RunSQL(sql.CREATE_PURGE, reverse_sql=sql.DROP_PURGE + sql.ORIGINAL_FUNCTIONS)]
