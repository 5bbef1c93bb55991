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
        from django.db.models.signals import post_save

        from demandes.models import Request
        from dossier_unique.models import Accompaniment, TimelineEntry
        from dossier_unique.timeline import TimelineSource, register_source
        from grc import merge_registry, person_data_registry, retention_registry

        from . import signals
        from .merge import RIGHTS_HANDLER
        from .person_data import RIGHTS_SECTION
        from .retention import RIGHTS_ESTIMATE_PURPOSE, WITH_SOCIAL_FILE

        merge_registry.register(RIGHTS_HANDLER)
        person_data_registry.register(RIGHTS_SECTION)
        retention_registry.register(RIGHTS_ESTIMATE_PURPOSE)
        retention_registry.extend(WITH_SOCIAL_FILE)
        # A request or an accompaniment of a consenting person changes their possible non-recours.
        post_save.connect(signals.request_saved, sender=Request, dispatch_uid="droits.request_saved")
        post_save.connect(signals.accompaniment_saved, sender=Accompaniment, dispatch_uid="droits.accompaniment_saved")
        register_source(
            TimelineSource(model_label="droits.rightsestimate", kinds=frozenset({TimelineEntry.Kind.RIGHTS_ESTIMATE}))
        )
        # The task worker loads the OpenFisca engine now rather than on its first estimate (DROITS_WARM_UP).
        warm_up_worker(argv=sys.argv)
