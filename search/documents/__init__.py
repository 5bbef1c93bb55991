"""Each domain app's search documents, one module per app, each registering its kinds in
``search.registry``. Importing this package registers them all (``SearchConfig.ready``): an app that
becomes searchable adds its module here and its name to the import below.
"""

from search.documents import demandes, dossier_unique, grc, mail  # noqa: F401
