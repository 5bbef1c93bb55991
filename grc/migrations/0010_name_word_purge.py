"""A name word nobody carries any more leaves the lexicon of name words (``grc_name_word``).

The lexicon lists the words of citizens' names for the one citizen finder (``grc.matching.find``).
Until now a word was never removed: after an erasure (names anonymised), a rename or a deletion, a
rare name stayed in the lexicon, a hint that someone bore it. Now a statement trigger on
``grc_citizen`` removes, after an update or a delete, the words the changed rows no longer carry and no
other citizen carries (a merged record still carries its names: it can still be searched).

Race with a citizen written at the same time with the same word: the inserting trigger takes a
``FOR KEY SHARE`` lock on the words it finds in the lexicon (inserters do not wait for each other), the
purge a ``FOR UPDATE`` lock on the words it may remove, then looks again in a new statement (a fresh
snapshot under READ COMMITTED): whichever comes second sees the other's committed work, so a word is
never removed while a citizen carrying it commits.
"""

from django.db import migrations

# The words a statement's rows carry that they did not carry before (all of them for an insert). Set-based
# (EXCEPT, hashed IN): a COPY of 100,000 citizens or an update of every row stays one pass.
COLLECT = """
CREATE OR REPLACE FUNCTION grc_name_word_collect() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    added text[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(w) INTO added FROM (
            SELECT u.w FROM new_rows n, unnest(string_to_array(n.search_name, ' ')) AS u(w) WHERE u.w <> ''
            EXCEPT
            SELECT u.w FROM old_rows o, unnest(string_to_array(o.search_name, ' ')) AS u(w)
        ) s;
    ELSE
        SELECT array_agg(DISTINCT u.w) INTO added
        FROM new_rows n, unnest(string_to_array(n.search_name, ' ')) AS u(w) WHERE u.w <> '';
    END IF;
    IF added IS NULL THEN
        RETURN NULL;  -- names unchanged (most updates)
    END IF;
    -- Words already listed: locked (shared) until this transaction ends, so that a purge waits for it.
    PERFORM 1 FROM grc_name_word w WHERE w.word IN (SELECT unnest(added)) ORDER BY w.word FOR KEY SHARE;
    INSERT INTO grc_name_word (word, phon, keys)
    SELECT u.w, coalesce(min(u.p), ''), grc_deletion_keys(u.w)
    FROM new_rows n,
         unnest(string_to_array(n.search_name, ' '), string_to_array(n.search_phonetic, ' ')) AS u(w, p)
    WHERE u.w IN (SELECT unnest(added))
    GROUP BY u.w ORDER BY u.w  -- sorted: concurrent statements lock the same keys in the same order
    ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS grc_citizen_name_words_update ON grc_citizen;
CREATE TRIGGER grc_citizen_name_words_update AFTER UPDATE ON grc_citizen
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION grc_name_word_collect();
"""

PURGE = """
CREATE OR REPLACE FUNCTION grc_name_word_purge() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone text[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(w) INTO gone FROM (
            SELECT u.w FROM old_rows o, unnest(string_to_array(o.search_name, ' ')) AS u(w) WHERE u.w <> ''
            EXCEPT
            SELECT u.w FROM new_rows n, unnest(string_to_array(n.search_name, ' ')) AS u(w)
        ) s;
    ELSE
        SELECT array_agg(DISTINCT u.w) INTO gone
        FROM old_rows o, unnest(string_to_array(o.search_name, ' ')) AS u(w) WHERE u.w <> '';
    END IF;
    IF gone IS NULL THEN
        RETURN NULL;  -- names unchanged (most updates): nothing to look up
    END IF;
    PERFORM 1 FROM grc_name_word WHERE word = ANY(gone) ORDER BY word FOR UPDATE;
    -- A new statement, so a new snapshot: a citizen carrying the word committed meanwhile is seen.
    DELETE FROM grc_name_word w
    WHERE w.word = ANY(gone)
      AND NOT EXISTS (SELECT FROM grc_citizen c WHERE string_to_array(c.search_name, ' ') @> ARRAY[w.word]);
    RETURN NULL;
END
$$;
CREATE TRIGGER grc_citizen_name_words_purge_update AFTER UPDATE ON grc_citizen
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION grc_name_word_purge();
CREATE TRIGGER grc_citizen_name_words_purge_delete AFTER DELETE ON grc_citizen
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION grc_name_word_purge();
"""

# Words nobody carries today (left by erasures and renames before this migration) go too: one pass.
CLEAN = """
WITH carried AS MATERIALIZED (
    SELECT DISTINCT u.w AS word FROM grc_citizen c, unnest(string_to_array(c.search_name, ' ')) AS u(w)
)
DELETE FROM grc_name_word w WHERE NOT EXISTS (SELECT FROM carried WHERE carried.word = w.word);
"""

OLD_COLLECT = """
CREATE OR REPLACE FUNCTION grc_name_word_collect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO grc_name_word (word, phon, keys)
    SELECT u.w, coalesce(min(u.p), ''), grc_deletion_keys(u.w)
    FROM new_rows n,
         unnest(string_to_array(n.search_name, ' '), string_to_array(n.search_phonetic, ' ')) AS u(w, p)
    WHERE n.search_name <> '' AND u.w <> ''
    GROUP BY u.w ORDER BY u.w
    ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END
$$;
"""

DROP = """
DROP TRIGGER IF EXISTS grc_citizen_name_words_update ON grc_citizen;
CREATE TRIGGER grc_citizen_name_words_update AFTER UPDATE ON grc_citizen
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION grc_name_word_collect();
DROP TRIGGER IF EXISTS grc_citizen_name_words_purge_update ON grc_citizen;
DROP TRIGGER IF EXISTS grc_citizen_name_words_purge_delete ON grc_citizen;
DROP FUNCTION IF EXISTS grc_name_word_purge();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("grc", "0009_inclusion_networks"),
    ]

    operations = [
        migrations.RunSQL(COLLECT + PURGE, OLD_COLLECT + DROP),
        migrations.RunSQL(CLEAN, migrations.RunSQL.noop),
    ]
