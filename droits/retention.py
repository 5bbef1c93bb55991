"""Retention of rights estimates (registered from ``apps.py``, shown on the DPO's screen).

- Saved estimates (the ``rights_estimate`` purpose): deleted 12 months after they were saved, with their
  timeline entries. An estimate is a snapshot of one month's legislation and resources: after a year it says
  nothing true about the person any more, and it is not a decision (the benefits are decided by the CAF, the
  MSA, the caisse de retraite or the Département's own procedures, which keep their own records). Not paid
  into the Archives départementales for the same reason. Erasure deletes them too.
- The consent, the recorded situation (members and resources, with their history) and the possible
  non-recours follow the social file: when the ``social_file`` purpose anonymises a file (after the last
  contact, the Département's rule for the social file), this app's extension deletes them for the file's
  person. The consent goes with the situation it allowed using: nothing is estimated without a file.
- The possible non-recours rows are rebuilt every night from the consenting situations, and a withdrawal
  deletes them at once: they need no period of their own.
"""

from __future__ import annotations

from django.utils import timezone

from dossier_unique.models import SocialFile
from grc.models import Citizen
from grc.retention_registry import (
    RetentionExtension,
    RetentionPurpose,
    citizen_ids_of,
    history_model,
    rows_of_citizens,
    serialise,
)

from .models import EstimateConsent, NonRecours, RecordedSituation, RightsEstimate, SituationMember
from .services import estimates_delete

DEFAULT_RULE = {
    "label": "Estimations des droits enregistrées : 1 an après l'estimation",
    "duration_months": 12,
    "warning_days": 0,
    "export_before_destruction": False,
    "legal_reference": (
        "Durée fixée par le Département : 12 mois après l'estimation (RGPD art. 5.1.c et 5.1.e, minimisation et "
        "limitation de la conservation) ; une estimation n'est pas une décision et reflète la législation d'un "
        "mois donné. Consentement et situation enregistrée suivent la règle du dossier social."
    ),
}


def _candidates(rule, cutoff):
    return RightsEstimate.objects.filter(created_at__lt=cutoff)


def _describe(ids):
    return [
        {
            "type": "estimation des droits",
            "id": pk,
            "label": f"Estimation des droits n° {pk} ({period})",
            "date": timezone.localtime(created_at).date().isoformat(),
        }
        for pk, period, created_at in RightsEstimate.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "period", "created_at")
    ]


def _export(ids):
    records = [
        {"estimation": serialise([estimate]), "usager": serialise(Citizen.objects.filter(pk=estimate.citizen_id))}
        for estimate in RightsEstimate.objects.filter(pk__in=ids)
    ]
    return records, []


def _apply(ids, *, actor, reason, counts, forget):
    counts["rights_estimates_deleted"] += estimates_delete(ids=ids)


RIGHTS_ESTIMATE_PURPOSE = RetentionPurpose(
    key="rights_estimate",
    order=37,
    default_rule=DEFAULT_RULE,
    candidates=_candidates,
    describe=_describe,
    apply=_apply,
    citizen_ids=citizen_ids_of(RightsEstimate),
    export=_export,
    of_citizens=rows_of_citizens(RightsEstimate),
)


def _forget_with_file(ids, *, actor, reason, counts, forget):
    """The social file ``ids`` were anonymised: their people's consent, situation, estimates and non-recours go."""
    citizen_ids = list(SocialFile.objects.filter(pk__in=ids).values_list("citizen_id", flat=True))
    counts["rights_estimates_deleted"] += estimates_delete(citizen_ids=citizen_ids)
    NonRecours.objects.filter(citizen_id__in=citizen_ids).delete()
    situations = list(RecordedSituation.objects.filter(citizen_id__in=citizen_ids).values_list("pk", flat=True))
    SituationMember.objects.filter(situation_id__in=situations).delete()
    history_model(SituationMember).objects.filter(situation_id__in=situations).delete()
    RecordedSituation.objects.filter(pk__in=situations).delete()
    history_model(RecordedSituation).objects.filter(citizen_id__in=citizen_ids).delete()
    consents = EstimateConsent.objects.filter(citizen_id__in=citizen_ids)
    counts["rights_consents_deleted"] += consents.count()
    consents.delete()
    history_model(EstimateConsent).objects.filter(citizen_id__in=citizen_ids).delete()
    counts["rights_situations_deleted"] += len(situations)


WITH_SOCIAL_FILE = RetentionExtension(key="social_file", name="droits", apply=_forget_with_file)
