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


def zip_stored_files(archive, files, *, missing: str) -> None:
    """Copy each ``(name in the zip, FieldFile)`` of ``files`` into the open ``zipfile.ZipFile`` by 1 MiB
    chunks; a file gone from the storage leaves ``<name>.manquant.txt`` saying ``missing`` instead."""
    for name, field_file in files:
        try:
            with field_file.open("rb") as source, archive.open(name, "w") as out:
                for chunk in iter(lambda source=source: source.read(1024 * 1024), b""):
                    out.write(chunk)
        except (FileNotFoundError, ValueError):
            archive.writestr(name + ".manquant.txt", missing)
