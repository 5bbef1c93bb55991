"""Names looked up word by word: a small lexicon of the name words, and a GIN index of each document's words.

A misspelled name used to be found by trigram word similarity over the 1.3M ``names`` strings: the
GIN scan returned every name sharing enough trigrams with the whole query (a common first name
alone brings thousands), each rechecked on the heap (p95 ~560 ms on ``grc_bench``). Now each typed
word is first matched against ``search_name_word`` (the ~20,000 distinct name words, with their
French phonetic key and its one-letter deletions): trigram similarity on a tiny table, the same
sound, or one letter dropped, doubled, changed or two swapped ("MOERAU" / "MOREAU" share "MORAU",
which trigrams miss in short names); then the documents holding a matching word for every typed
word come from an exact GIN array lookup.
"""

from django.db import migrations

from grc.matching.phonetics import phonetic

WORDS_SQL = """
CREATE TABLE IF NOT EXISTS search_name_word (
    word text PRIMARY KEY,
    phon text NOT NULL,
    keys text[] NOT NULL
);
CREATE INDEX IF NOT EXISTS search_name_word_trgm ON search_name_word USING gin (word gin_trgm_ops);
CREATE INDEX IF NOT EXISTS search_name_word_phon ON search_name_word (phon);
CREATE INDEX IF NOT EXISTS search_name_word_keys ON search_name_word USING gin (keys);
"""

DOC_INDEX_SQL = """
CREATE INDEX IF NOT EXISTS search_document_name_words ON search_document
    USING gin (string_to_array(names, ' ')) WHERE names <> '';
ANALYZE search_name_word;
"""


def word_keys(word: str) -> list[str]:
    """As search.backends.postgres.word_keys (frozen here): the word and, from 4 letters, its one-letter deletions."""
    if len(word) < 4:
        return [word]
    return sorted({word} | {word[:i] + word[i + 1 :] for i in range(len(word))})


def _array_literal(items: list[str]) -> str:
    return "{" + ",".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items) + "}"


def fill_words(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT unnest(string_to_array(names, ' ')) FROM search_document WHERE names <> ''")
        words = [w for (w,) in cursor.fetchall() if w]
        rows = [(w, phonetic(w), _array_literal(word_keys(w))) for w in words]
        for start in range(0, len(rows), 5000):
            batch = rows[start : start + 5000]
            cursor.execute(
                "INSERT INTO search_name_word (word, phon, keys) "
                "SELECT w, p, k::text[] FROM unnest(%s::text[], %s::text[], %s::text[]) AS u(w, p, k) "
                "ON CONFLICT DO NOTHING",
                [[w for w, _, _ in batch], [p for _, p, _ in batch], [k for _, _, k in batch]],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("grc_search", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=WORDS_SQL,
            reverse_sql="DROP TABLE IF EXISTS search_name_word",
        ),
        migrations.RunPython(fill_words, migrations.RunPython.noop),
        migrations.RunSQL(
            sql=DOC_INDEX_SQL,
            reverse_sql="DROP INDEX IF EXISTS search_document_name_words",
        ),
    ]
