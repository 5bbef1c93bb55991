"""Lieux de médiation numérique: the collaborative map of digital-inclusion places (schema v1.0.1).

Sits above the directory (a place belongs to a structure of the annuaire and is edited by its representatives)
and below help sessions, appointments and the observatory, which orient people to places and count them.
"""

from django.apps import AppConfig


class MednumConfig(AppConfig):
    name = "mednum"
    label = "mednum"
    verbose_name = "Lieux de médiation numérique"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from annuaire.moderation import register_moderated

        from .models import Lieu
        from .moderation import LIEU_EDITABLE, lieu_proposal_validate

        # Partners' edits wait for the Info sociale team; the annuaire's staleness job then reminds them too.
        register_moderated(Lieu, fields=LIEU_EDITABLE, validate=lieu_proposal_validate)
