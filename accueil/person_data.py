"""Digital-help sessions in a person's data (registered from ``apps.py``): "Mes données" for the citizen and the
DPO's access archive. Each session linked to the person: when, where, in which setting, the help given, the
procedures, the outcome and orientation, its length, who helped (team and role, as for every professional)
and when their consent to substitution was recorded. Anonymised sessions are no longer linked: not here."""

from __future__ import annotations

from grc.person_data_registry import PersonDataSection, iso

from .models import HelpSession


def _sessions(scope):
    sessions = list(
        HelpSession.objects.filter(citizen_id__in=scope.ids)
        .select_related("site", "commune")
        .order_by("held_at", "pk")
    )
    scope.staff.load(s.agent_id for s in sessions)
    return [
        {
            "date": iso(s.held_at),
            "lieu": s.site.name,
            "cadre": s.get_place_kind_display(),
            "niveau_d_aide": s.get_level_display(),
            "demarches": s.procedure_labels,
            "resultat": s.get_outcome_display(),
            "orientation": s.orientation,
            "duree_minutes": s.duration_minutes,
            "commune_de_residence": s.commune.name if s.commune_id else None,
            "consentement_a_la_substitution_le": iso(s.consent_recorded_at),
            "aide_par": scope.staff.describe(s.agent_id, s.held_at),
        }
        for s in sessions
    ]


HELP_SESSIONS_SECTION = PersonDataSection(key="aide_numerique", order=87, build=_sessions)
