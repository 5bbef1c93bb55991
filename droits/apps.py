"""Droits: estimates of a household's national and departmental benefits with OpenFisca France, and the
possible non-take-up (non-recours) they reveal.

Sits on the layer of requests, mail, appointments and digital help: it reads the social file, the requests
and the map of help places below it; the portal, the back office and the observatory use it, never the
reverse.
"""

import sys

from django.apps import AppConfig

from .engine import warm_up_worker


class DroitsConfig(AppConfig):
    name = "droits"
    label = "droits"
    verbose_name = "Estimation des droits"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from dossier_unique.models import TimelineEntry
        from dossier_unique.timeline import TimelineSource, register_source

        register_source(
            TimelineSource(model_label="droits.rightsestimate", kinds=frozenset({TimelineEntry.Kind.RIGHTS_ESTIMATE}))
        )
        # The task worker loads the OpenFisca engine now rather than on its first estimate (DROITS_WARM_UP).
        warm_up_worker(argv=sys.argv)
