"""Path converters shared by the back office and the portal.

``<id:pk>``: a database id — digits that fit PostgreSQL's bigint. A longer number matches no URL, so it is
a 404 before any view runs: it can reach neither a query nor the access log (whose raw INSERT would fail
with "bigint out of range", a 500). 18 digits: every bigint id below 10**18, which no sequence reaches.
Every id in a path uses it (``tests/test_garbage_crawl.py`` fails on an ``<int:…>`` left in our URL modules).
"""

from django.urls import register_converter
from django.urls.converters import IntConverter


class IdConverter(IntConverter):
    """Django's ``int`` converter, bounded to a bigint."""

    regex = "[0-9]{1,18}"


register_converter(IdConverter, "id")
