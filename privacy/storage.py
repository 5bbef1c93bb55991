"""Where access-right archives and Archives départementales exports are written.

Never under ``MEDIA_ROOT``: the ``privacy_archives`` storage when ``STORAGES`` defines one (a private
bucket in production), else ``PRIVACY_ARCHIVES_ROOT`` (default ``<GRC_VAR_DIR>/private/privacy``).
Downloads go through DPO-only, access-logged views.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


class PrivateArchiveStorage(FileSystemStorage):
    @property
    def base_location(self):
        return str(
            getattr(settings, "PRIVACY_ARCHIVES_ROOT", None) or os.path.join(settings.VAR_DIR, "private", "privacy")
        )

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def privacy_storage():
    if "privacy_archives" in settings.STORAGES:
        return storages["privacy_archives"]
    return PrivateArchiveStorage()
