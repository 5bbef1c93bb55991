"""Rights estimates in a person's data (registered from ``apps.py``): "Mes données" for the citizen and the
DPO's access archive. Their consents (how, when, by whom, withdrawn when), the situation recorded for them
(household members' roles and birth years, monthly resources, housing, benefits already received), the
estimates saved on their file (month, engine, legislation, amounts) and the possible non-recours computed
for them (benefit, amount, when)."""

from __future__ import annotations

from grc.person_data_registry import PersonDataSection, iso

from .models import EstimateConsent, NonRecours, RecordedSituation, RightsEstimate
from .situation import RESOURCE_FIELDS


def _situation(scope):
    situation = RecordedSituation.objects.filter(citizen_id__in=scope.ids).select_related("commune").first()
    if situation is None:
        return None
    scope.staff.load([situation.updated_by_id])
    return {
        "logement": situation.get_housing_status_display(),
        "loyer_mensuel": str(situation.rent_monthly),
        "commune": situation.commune.name if situation.commune_id else None,
        "colocation": situation.shared_housing,
        "prestations_deja_percues": list(situation.already_receives),
        "mise_a_jour_le": iso(situation.updated_at),
        "mise_a_jour_par": scope.staff.describe(situation.updated_by_id, situation.updated_at),
        "membres": [
            {
                "role": member.get_role_display(),
                "prenom": member.first_name,
                "date_de_naissance": iso(member.birth_date),
                **{field: str(getattr(member, field)) for field in RESOURCE_FIELDS},
                "taux_d_incapacite": member.disability_rate,
                "gir": member.gir,
                "etudiant": member.student,
            }
            for member in situation.members.order_by("position", "pk")
        ],
    }


def _build(scope):
    consents = list(EstimateConsent.objects.filter(citizen_id__in=scope.ids).order_by("recorded_at", "pk"))
    estimates = list(RightsEstimate.objects.filter(citizen_id__in=scope.ids).order_by("created_at", "pk"))
    scope.staff.load([c.recorded_by_id for c in consents] + [c.withdrawn_by_id for c in consents])
    scope.staff.load(e.created_by_id for e in estimates)
    return {
        "consentements": [
            {
                "recueilli": c.get_method_display(),
                "le": iso(c.recorded_at),
                "par": scope.staff.describe(c.recorded_by_id, c.recorded_at),
                "retire_le": iso(c.withdrawn_at),
            }
            for c in consents
        ],
        "situation": _situation(scope),
        "estimations": [
            {
                "mois": e.period,
                "moteur": e.engine,
                "legislation": e.legislation,
                "resultats": [
                    {"prestation": r.get("label"), "montant_mensuel": r.get("monthly_amount")} for r in e.results
                ],
                "enregistree_le": iso(e.created_at),
                "par": scope.staff.describe(e.created_by_id, e.created_at),
            }
            for e in estimates
        ],
        "non_recours_possibles": [
            {"prestation": benefit, "montant_mensuel": str(amount), "calcule_le": iso(at)}
            for benefit, amount, at in NonRecours.objects.filter(citizen_id__in=scope.ids)
            .order_by("benefit")
            .values_list("benefit", "monthly_amount", "computed_at")
        ],
    }


RIGHTS_SECTION = PersonDataSection(key="estimation_des_droits", order=88, build=_build)
