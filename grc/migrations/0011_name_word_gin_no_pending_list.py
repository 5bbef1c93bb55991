"""The lexicon's GIN indexes without a pending list: every name typed is looked up there, and a lookup
reads the whole pending list (up to 4 MB) besides the index.

The lexicon gets a new word only when a citizen brings one (rare once filled; a bulk load of a million
citizens adds a few hundred thousand), while every search, match and mail suggestion reads it: with
``fastupdate`` on, a lookup after a bulk load took 12-15 ms instead of 0.05 ms until a VACUUM merged
the list (measured on 1,000,000 citizens, bench/identity.py). Off, each new word goes into the index
at once, and the list left now is merged here.
"""

from django.db import migrations

FORWARD = """
ALTER INDEX grc_name_word_keys SET (fastupdate = off);
ALTER INDEX grc_name_word_trgm SET (fastupdate = off);
SELECT gin_clean_pending_list('grc_name_word_keys'::regclass), gin_clean_pending_list('grc_name_word_trgm'::regclass);
"""

BACKWARD = """
ALTER INDEX grc_name_word_keys RESET (fastupdate);
ALTER INDEX grc_name_word_trgm RESET (fastupdate);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("grc", "0010_name_word_purge"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
