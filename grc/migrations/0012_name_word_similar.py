"""The lexicon's trigram look-up with its threshold in the index scan.

For a typed word the lexicon does not hold, the finder (``grc.matching.find``) looks for words at a
trigram similarity of at least 0.45. Written ``word % form`` under the session's default threshold (0.3)
the GIN index handed 2,000-3,000 candidates per word to recheck in a lexicon of 380,000 words (a million
citizens): 25-45 ms. The function below runs the same ``%`` with ``pg_trgm.similarity_threshold`` set to
0.45 for its own duration (the ``SET`` clause, restored on exit: no other query sees it), so the index
itself drops what cannot reach 0.45. STRICT: a NULL word (not looked up) costs nothing.
"""

from django.db import migrations

FUNCTION = """
SELECT show_trgm('a');  -- loads pg_trgm in this session: its threshold is then a known parameter
CREATE OR REPLACE FUNCTION grc_name_word_similar(form text, max_words int)
RETURNS TABLE (word text) LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET pg_trgm.similarity_threshold = 0.45 AS $$
    SELECT w.word FROM grc_name_word w WHERE w.word % form ORDER BY w.word <-> form, w.word LIMIT max_words
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("grc", "0011_name_word_gin_no_pending_list"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS grc_name_word_similar(text, int);"),
    ]
