"""Django admin of the portal: nothing registered, one registration removed.

Tags are Wagtail's (portal documents and images), edited in the Wagtail admin. django-taggit's own Django admin
added a "merge tags" view open to every staff member: it created the new tag before checking the selection and
then failed (a 500 leaving a stray tag). Nobody here needs it, so taggit's admin is loaded first, then its
registration removed: no Tag pages, no merge route in ``/django-admin/``.
"""

from django.contrib import admin
from taggit import admin as taggit_admin  # noqa: F401  (registers Tag; must run before the unregister below)
from taggit.models import Tag

admin.site.unregister(Tag)
