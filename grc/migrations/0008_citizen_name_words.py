"""The lexicon of name words and the GIN index of each citizen's name words: the one citizen finder
(``grc.matching.find``) looks a typed word up in the lexicon (same word, one edit away, same sound,
trigrams for a word it does not hold), then the citizens holding a match for every typed word in
the array index, instead of a trigram scan over a million ``search_name`` strings (p95 ~100 ms).

The lexicon is kept by a statement trigger on ``grc_citizen`` (inserts and updates, so the bulk
loaders' COPY and every service are covered alike); a word is never removed (a superset only costs a
lookup that finds nobody). The index is built CONCURRENTLY: no lock on the citizens meanwhile.
"""

from django.db import migrations

KEYS_FUNCTION = """
CREATE OR REPLACE FUNCTION grc_deletion_keys(w text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(w) < 4 THEN ARRAY[w] ELSE ARRAY(
        SELECT DISTINCT k FROM (
            SELECT w AS k UNION ALL SELECT left(w, i - 1) || substr(w, i + 1) FROM generate_series(1, length(w)) i
        ) s ORDER BY k) END
$$;
"""

LEXICON = """
CREATE TABLE grc_name_word (
    word text PRIMARY KEY,
    phon text NOT NULL,
    keys text[] NOT NULL
);
CREATE INDEX grc_name_word_keys ON grc_name_word USING gin (keys);
CREATE INDEX grc_name_word_phon ON grc_name_word (phon);
CREATE INDEX grc_name_word_trgm ON grc_name_word USING gin (word gin_trgm_ops);
"""

# search_phonetic holds the phonetic key of each word of search_name, in the same order.
COLLECT = """
CREATE OR REPLACE FUNCTION grc_name_word_collect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO grc_name_word (word, phon, keys)
    SELECT u.w, coalesce(min(u.p), ''), grc_deletion_keys(u.w)
    FROM new_rows n,
         unnest(string_to_array(n.search_name, ' '), string_to_array(n.search_phonetic, ' ')) AS u(w, p)
    WHERE n.search_name <> '' AND u.w <> ''
    GROUP BY u.w ORDER BY u.w  -- sorted: concurrent statements lock the same keys in the same order
    ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER grc_citizen_name_words_insert AFTER INSERT ON grc_citizen
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION grc_name_word_collect();
CREATE TRIGGER grc_citizen_name_words_update AFTER UPDATE ON grc_citizen
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION grc_name_word_collect();
"""

FILL = """
INSERT INTO grc_name_word (word, phon, keys)
SELECT u.w, coalesce(min(u.p), ''), grc_deletion_keys(u.w)
FROM grc_citizen n,
     unnest(string_to_array(n.search_name, ' '), string_to_array(n.search_phonetic, ' ')) AS u(w, p)
WHERE n.search_name <> '' AND u.w <> ''
GROUP BY u.w
ON CONFLICT (word) DO NOTHING;
ANALYZE grc_name_word;
"""

DROP = """
DROP TRIGGER IF EXISTS grc_citizen_name_words_insert ON grc_citizen;
DROP TRIGGER IF EXISTS grc_citizen_name_words_update ON grc_citizen;
DROP FUNCTION IF EXISTS grc_name_word_collect();
DROP TABLE IF EXISTS grc_name_word;
DROP FUNCTION IF EXISTS grc_deletion_keys(text);
"""

INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS citizen_name_words ON grc_citizen "
    "USING gin (string_to_array(search_name, ' '))"
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("grc", "0007_territory_load"),
    ]

    operations = [
        # The trigger before the fill: a citizen written meanwhile is collected by one or the other.
        migrations.RunSQL(KEYS_FUNCTION + LEXICON + COLLECT + FILL, DROP),
        migrations.RunSQL(INDEX, "DROP INDEX CONCURRENTLY IF EXISTS citizen_name_words"),
        migrations.RunSQL("ANALYZE grc_citizen", migrations.RunSQL.noop),
    ]
