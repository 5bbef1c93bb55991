"""Where social-file documents are stored (what content is accepted is the upload gate's: ``grc.uploads``).

Documents never live under ``MEDIA_ROOT`` (which a web server may expose): they go to the
``dsu_documents`` storage when ``STORAGES`` defines one (object storage in production, a private
bucket), else to ``DSU_DOCUMENTS_ROOT`` (default ``<GRC_VAR_DIR>/private/documents``). They are
served only through a permission-checked view.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


class PrivateDocumentStorage(FileSystemStorage):
    """A file-system storage outside the web root whose location is read from settings when used."""

    @property
    def base_location(self):
        return str(
            getattr(settings, "DSU_DOCUMENTS_ROOT", None) or os.path.join(settings.VAR_DIR, "private", "documents")
        )

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None  # no public URL: downloads go through the back office


def document_storage():
    if "dsu_documents" in settings.STORAGES:
        return storages["dsu_documents"]
    return PrivateDocumentStorage()
