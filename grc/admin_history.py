"""The Django admin's history pages (django-simple-history), answering 404 to an id that is not one."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """``SimpleHistoryAdmin`` whose history page refuses a malformed object id with a 404.

    The change page already does (Django's ``get_object`` converts the id first); simple-history's
    ``history_view`` filters with the raw string, so ``…/abc/history/`` raised a ValueError (500).
    """

    def history_view(self, request, object_id, extra_context=None):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError as error:
            raise Http404 from error
        return super().history_view(request, object_id, extra_context=extra_context)
