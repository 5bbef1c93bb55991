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
