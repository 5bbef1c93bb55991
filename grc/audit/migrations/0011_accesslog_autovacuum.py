"""Autovacuum the access log by 1 % of its rows instead of PostgreSQL's 20 %.

The log is append-only and very large (tens of millions of rows). With the default thresholds:
- the visibility map lags behind the inserts, so the covering actor index stops being index-only
  for recent months (the console's most read rows);
- after a retention purge (a month: ~8 % of the rows) the dead index entries stay until 20 % of
  the table is dead, and the planner, probing the ends of the date indexes, walks through them: we
  measured planning of a team page go from 7 ms to 1.2 s with a few thousand dead rows at the end;
- the statistics of ``at`` lag behind the newest dates.
"""

from django.db import migrations

PARAMETERS = (
    "autovacuum_vacuum_scale_factor",
    "autovacuum_vacuum_insert_scale_factor",
    "autovacuum_analyze_scale_factor",
)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0010_accesslog_actor_covering_index"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE audit_accesslog SET (" + ", ".join(f"{p} = 0.01" for p in PARAMETERS) + ")",
            "ALTER TABLE audit_accesslog RESET (" + ", ".join(PARAMETERS) + ")",
        ),
    ]
