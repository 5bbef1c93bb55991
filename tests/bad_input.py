"""Garbage input for the "never a 500" tests of the console and register screens."""

# Letters, unicode digits, ints beyond bigint, negative, dates far in the past and future, long text, NUL.
GARBAGE = [
    "abc",
    "²",
    "١٢٣",
    "99999999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "0001-01-01",
    "9999-12-31",
    "1900-02-30",
    "x" * 5000,
    "a\x00b",
    "1e999",
    "2026-01-01T25:99:00",
]
# Path ids the URL patterns accept (digits only) but no row can have.
PATH_IDS = ["0", "9223372036854775807", "9223372036854775808", "99999999999999999999999"]


def no_500(response, where, *, allowed=(200, 302, 400, 404)):
    """``response`` has one of the ``allowed`` statuses; a streamed body is read through and its files closed.

    The test client re-raises a view's exception, so a 500 fails the test before this with its traceback.
    """
    assert response.status_code in allowed, (where, response.status_code)
    if response.streaming:
        b"".join(response.streaming_content)
        for close in response._resource_closers:
            close()
    return response


# tests/test_garbage_crawl.py: what every path parameter of every URL pattern is replaced with — NUL, ints past
# bigint, negative, wrong type, 5,000 characters, a path climb, unicode digits and a bidi override — by class: the
# crawl sends one value of each class per parameter and role, another one for the next role.
PATH_GARBAGE_CLASSES = {
    "nul": ["a\x00b"],
    "nombre": ["99999999999999999999", "9223372036854775808", "-1"],
    "texte": ["abc", "x" * 5000, "../../etc/passwd", "é٣²\u202e"],
}
PATH_GARBAGE = [value for values in PATH_GARBAGE_CLASSES.values() for value in values]
# ... and what query parameters and form fields are set to, one value per key (NUL is sent on its own: it would
# stop the whole request at the middleware before the other values reach the view).
FIELD_GARBAGE = ["99999999999999999999", "-1", "x" * 5000, "é٣²\u202e", "abc", "1e999", "0001-01-01", "../"]
# Query parameters the project's views read (pages, filters, cursors, searches, redirects), set on every GET and
# POST of the crawl besides the fields the page's own forms name.
QUERY_KEYS = [
    "page",
    "p",
    "q",
    "statut",
    "etat",
    "vue",
    "apres",
    "avant",
    "jours",
    "modele",
    "numero",
    "demarche",
    "attribution",
    "procedure",
    "toutes",
    "theme",
    "next",
    "offset",
    "limit",
    "id",
    "ordering",
    "o",
]
