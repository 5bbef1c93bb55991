"""Retention of digital-help sessions (the ``help_session`` purpose, registered from ``apps.py``).

After the period (3 years after the session by default), a session linked to a citizen loses the link and
its free text (the orientation may name people or places of their life), in the row and in its history;
the citizen's timeline entry of it goes. The row itself stays — when, where, level, procedures, outcome,
commune, duration — so the observatory's figures do not change. Anonymous sessions hold no personal data:
never candidates. Erasure (right to be forgotten) does the same to the person's sessions.
"""

from __future__ import annotations

from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from dossier_unique.retention import timeline_forget
from grc.models import Citizen
from grc.retention_registry import RetentionPurpose, citizen_ids_of, history_model, rows_of_citizens, serialise

from .models import HelpSession

DEFAULT_RULE = {
    "label": "Séances d'aide numérique : lien avec l'usager 3 ans après la séance",
    "duration_months": 36,
    "warning_days": 0,
    "export_before_destruction": False,
    "legal_reference": (
        "Durée fixée par le Département : 3 ans après la séance (RGPD art. 5.1.e, limitation de la "
        "conservation) ; la séance reste comptée sans lien avec la personne pour les statistiques de "
        "l'Observatoire (RGPD art. 89)."
    ),
}


def _candidates(rule, cutoff):
    return HelpSession.objects.filter(held_at__lt=cutoff, citizen__isnull=False)


def _describe(ids):
    return [
        {
            "type": "séance d'aide numérique",
            "id": pk,
            "label": f"Séance d'aide numérique n° {pk} ({site})",
            "date": timezone.localtime(held_at).date().isoformat(),
        }
        for pk, site, held_at in HelpSession.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "site__name", "held_at")
    ]


def _export(ids):
    records = [
        {"seance": serialise([session]), "usager": serialise(Citizen.objects.filter(pk=session.citizen_id))}
        for session in HelpSession.objects.filter(pk__in=ids)
    ]
    return records, []


def _apply(ids, *, actor, reason, counts, forget):
    now = timezone.now()
    sessions = list(HelpSession.objects.filter(pk__in=ids))
    for session in sessions:
        session.citizen, session.orientation, session.anonymised_at = None, "", now
    # Batched (an erasure may hold years of sessions), one history row each recording who and why.
    bulk_update_with_history(
        sessions,
        HelpSession,
        ["citizen", "orientation", "anonymised_at"],
        batch_size=500,
        default_user=actor if getattr(actor, "is_authenticated", False) else None,
        default_change_reason=reason or "conservation : lien avec l'usager retiré",
    )
    history_model(HelpSession).objects.filter(id__in=ids).update(citizen_id=None, orientation="")
    counts["timeline_entries_deleted"] += timeline_forget(source_type="accueil.helpsession", source_ids=ids)
    counts["help_sessions_anonymised"] += len(ids)


HELP_SESSION_PURPOSE = RetentionPurpose(
    key="help_session",
    order=36,
    default_rule=DEFAULT_RULE,
    candidates=_candidates,
    describe=_describe,
    apply=_apply,
    citizen_ids=citizen_ids_of(HelpSession),
    export=_export,
    of_citizens=rows_of_citizens(HelpSession),
)
