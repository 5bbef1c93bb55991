"""privacy's own section of a person's data (registered from ``privacy.apps``): their GDPR requests."""

from __future__ import annotations

from grc.person_data_registry import DPO_ARCHIVE, PersonDataSection, iso

from ..models import GdprRequest


def _gdpr_requests(scope):
    return [
        {
            "reference": g.reference,
            "droit": g.get_kind_display(),
            "recue_le": iso(g.received_on),
            "statut": g.get_status_display(),
            "echeance": iso(g.due_date),
            "repondue_le": iso(g.answered_on),
        }
        for g in GdprRequest.objects.filter(citizen_id__in=scope.ids).order_by("received_on", "pk")
    ]


GDPR_SECTION = PersonDataSection(
    key="demandes_rgpd", order=95, build=_gdpr_requests, audiences=frozenset({DPO_ARCHIVE})
)
