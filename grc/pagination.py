"""Page numbers read from a query string, for the lists paged by offset (Django's ``Paginator.get_page`` already
turns garbage into the first page and a number past the end into the last)."""

import re

from django.http import Http404

# Far beyond any list a person pages through; keeps OFFSET (a bigint in PostgreSQL) in range for every page size.
MAX_PAGE = 100_000

_PAGE = re.compile(r"[0-9]{1,6}")


def requested_page(request, *, param: str = "page") -> int:
    """The 1-based page number ``request`` asks for: 1 when absent, empty or not ASCII digits ("abc", "-1", "²");
    Http404 beyond ``MAX_PAGE`` (a 20-digit page would make the OFFSET overflow: a DataError, a 500)."""
    value = request.GET.get(param, "")
    if not _PAGE.fullmatch(value):
        if value.isascii() and value.isdigit():
            raise Http404
        return 1
    number = int(value)
    if number > MAX_PAGE:
        raise Http404
    return max(number, 1)
