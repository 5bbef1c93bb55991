"""Writes of rights estimates on the social file: consent, recorded situation, saved estimates, non-recours.

Every refusal is a ``ValidationError`` in French (keyed by the form's field where there is one); nothing is
saved then. The consent comes first: no estimate is computed or stored for a person without a current one
(``estimate_compute`` and ``estimate_save`` refuse; ``RightsEstimate.consent`` is NOT NULL). Withdrawing it
deletes the person's saved estimates (and their timeline entries) and possible non-recours at once.
The application log names ids only, never an amount or a person.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dossier_unique.models import TimelineEntry, Visibility
from dossier_unique.retention import timeline_forget
from dossier_unique.timeline import timeline_record
from droits.engine import EngineError, Estimate, SituationError, estimate
from grc.history import save_tracked
from grc.models import Commune, HouseholdMembership

from . import perms
from .models import BENEFIT_CODES, EstimateConsent, NonRecours, RecordedSituation, RightsEstimate, SituationMember
from .situation import RESOURCE_FIELDS, engine_situation
from .tasks import non_recours_refresh_person

logger = logging.getLogger(__name__)

NO_CONSENT = "Aucune estimation sans le consentement de la personne : enregistrez d'abord son consentement."
NO_SITUATION = "Enregistrez d'abord la situation du foyer (composition, ressources, logement)."
NO_TEAM = "Vous n'appartenez à aucune équipe qui suit des dossiers : l'estimation ne peut pas être enregistrée."
MAX_MEMBERS = 20


def _check(actor, file):
    if not perms.can_estimate(actor, file):
        raise PermissionDenied


def _current_consent(citizen_id, *, lock: bool = False) -> EstimateConsent | None:
    consents = EstimateConsent.objects.filter(citizen_id=citizen_id, withdrawn_at__isnull=True)
    if lock:
        consents = consents.select_for_update()
    return consents.first()


# --- consent -------------------------------------------------------------------------------------------------


def consent_record(*, actor, file, method: str) -> EstimateConsent:
    """Record the person's consent to estimates (how it was given: ``EstimateConsent.Method``), by ``actor``."""
    _check(actor, file)
    if method not in EstimateConsent.Method.values:
        raise ValidationError({"method": [_("Indiquez comment la personne a donné son consentement.")]})
    with transaction.atomic():
        if _current_consent(file.citizen_id, lock=True) is not None:
            raise ValidationError(_("Le consentement de la personne est déjà enregistré."))
        consent = EstimateConsent(citizen_id=file.citizen_id, method=method, recorded_by=actor)
        save_tracked(consent, actor, "consentement recueilli")
    logger.info("droits: consent %s recorded", consent.pk)
    return consent


def consent_withdraw(*, actor, file) -> int:
    """Withdraw the person's current consent: their saved estimates (with their timeline entries) and possible
    non-recours are deleted in the same transaction; the batch skips them from now on. Returns how many saved
    estimates were deleted."""
    _check(actor, file)
    with transaction.atomic():
        consent = _current_consent(file.citizen_id, lock=True)
        if consent is None:
            raise ValidationError(_("Aucun consentement en cours à retirer."))
        deleted = estimates_delete(citizen_ids=[file.citizen_id])
        NonRecours.objects.filter(citizen_id=file.citizen_id).delete()
        consent.withdrawn_at, consent.withdrawn_by = timezone.now(), actor
        save_tracked(consent, actor, "consentement retiré")
    logger.info("droits: consent %s withdrawn, %s estimate(s) deleted", consent.pk, deleted)
    return deleted


def estimates_delete(*, citizen_ids=None, ids=None) -> int:
    """Delete saved estimates with their timeline entries: all those of ``citizen_ids`` (withdrawal, erasure,
    the file's retention) or those of ``ids`` (the estimates' own retention). Returns how many went."""
    estimates = RightsEstimate.objects.all()
    if citizen_ids is not None:
        estimates = estimates.filter(citizen_id__in=list(citizen_ids))
    if ids is not None:
        estimates = estimates.filter(pk__in=list(ids))
    found = list(estimates.values_list("pk", flat=True))
    if found:
        timeline_forget(source_type="droits.rightsestimate", source_ids=found)
        RightsEstimate.objects.filter(pk__in=found).delete()
    return len(found)


# --- recorded situation ----------------------------------------------------------------------------------------


def _amount(value, field: str, errors: dict, *, label: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("%(label)s : saisissez un montant.") % {"label": label})
        return Decimal(0)
    if not amount.is_finite() or amount < 0 or amount > Decimal("9999999"):
        errors.setdefault(field, []).append(_("%(label)s : montant invalide.") % {"label": label})
        return Decimal(0)
    return amount.quantize(Decimal("0.01"))


def _member(position: int, values: dict, errors: dict) -> SituationMember:
    prefix = f"members-{position}"
    member = SituationMember(
        position=position,
        citizen_id=values.get("citizen") or None,
        first_name=(values.get("first_name") or "")[:150],
        role=values.get("role") or "",
        birth_date=values.get("birth_date"),
        disability_rate=values.get("disability_rate"),
        gir=values.get("gir"),
        student=bool(values.get("student")),
    )
    if member.role not in SituationMember.Role.values:
        errors.setdefault(f"{prefix}-role", []).append(_("Choisissez le rôle de la personne dans le foyer."))
    if member.birth_date is None:
        errors.setdefault(f"{prefix}-birth_date", []).append(_("La date de naissance est obligatoire."))
    for field in RESOURCE_FIELDS:
        label = str(SituationMember._meta.get_field(field).verbose_name).capitalize()
        setattr(member, field, _amount(values.get(field), f"{prefix}-{field}", errors, label=label))
    return member


def situation_save(
    *,
    actor,
    file,
    housing_status: str,
    rent_monthly,
    commune_code: str = "",
    shared_housing: bool = False,
    already_receives=(),
    members: list[dict],
) -> RecordedSituation:
    """Record (or replace) the household of ``file``'s person, with history: its members and their monthly
    resources, the housing and the benefits already received. Checked as the engine will read it
    (``Situation.errors``): a situation the engine cannot estimate is refused, in French, and nothing changes.
    ``members`` are dicts of ``SituationMember`` fields (``citizen`` an id), in the order shown."""
    _check(actor, file)
    errors: dict[str, list[str]] = {}
    if housing_status not in RecordedSituation.HousingStatus.values:
        errors["housing_status"] = [_("Choisissez la situation de logement.")]
    rent = _amount(rent_monthly, "rent_monthly", errors, label=_("Loyer"))
    commune = Commune.objects.filter(pk=commune_code).only("pk").first() if commune_code else None
    if commune_code and commune is None:
        errors["commune"] = [_("Choisissez la commune dans la liste.")]
    receives = [code for code in BENEFIT_CODES if code in set(already_receives or ())]
    if set(already_receives or ()) - set(BENEFIT_CODES):
        errors["already_receives"] = [_("Choisissez les prestations dans la liste.")]
    if not members:
        errors["__all__"] = [_("Le foyer doit comprendre au moins la personne elle-même.")]
    if len(members) > MAX_MEMBERS:
        errors["__all__"] = [_("Le foyer ne peut pas comprendre plus de 20 personnes.")]
    rows = [_member(position, values, errors) for position, values in enumerate(members[:MAX_MEMBERS])]
    # A member is linked only to the person or someone of their household in the reference (a posted id of
    # anyone else is dropped, never a link to a stranger's record).
    household = _household_ids(file.citizen_id)
    for row in rows:
        if row.citizen_id is not None and row.citizen_id not in household:
            row.citizen_id = None
    situation = RecordedSituation.objects.filter(citizen_id=file.citizen_id).first() or RecordedSituation(
        citizen_id=file.citizen_id
    )
    situation.housing_status, situation.rent_monthly, situation.commune = housing_status, rent, commune
    situation.shared_housing, situation.already_receives = bool(shared_housing), receives
    situation.updated_at, situation.updated_by = timezone.now(), actor
    if not errors:
        # The engine's own checks (one demandeur, one conjoint at most, GIR 1..6, dates…), in French.
        problems = engine_situation(situation, rows).errors()
        if problems:
            errors["__all__"] = problems
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        save_tracked(situation, actor, "situation enregistrée")
        for old in situation.members.all():
            old._history_user = actor
            old.delete()
        for row in rows:
            row.situation = situation
            save_tracked(row, actor, "situation enregistrée")
        # The possible non-recours of the person follow their new situation (the worker has the engine loaded).
        transaction.on_commit(partial(non_recours_refresh_person.enqueue, file.citizen_id))
    logger.info("droits: situation %s saved", situation.pk)
    return situation


def _household_ids(citizen_id: int) -> set[int]:
    households = HouseholdMembership.objects.filter(citizen_id=citizen_id, end_date__isnull=True).values(
        "household_id"
    )
    members = HouseholdMembership.objects.filter(household_id__in=households).values_list("citizen_id", flat=True)
    return {citizen_id, *members}


# --- estimates -------------------------------------------------------------------------------------------------


def _engine_situation_of(citizen_id):
    situation = RecordedSituation.objects.filter(citizen_id=citizen_id).first()
    if situation is None:
        return None, None
    return situation, engine_situation(situation, list(situation.members.order_by("position", "pk")))


def estimate_compute(*, actor, file, period: str | None = None) -> Estimate:
    """Run the engine on ``file``'s recorded situation (nothing is stored). Refused, in French, without a
    current consent or a recorded situation; the engine's errors come back as ``ValidationError`` too."""
    _check(actor, file)
    if _current_consent(file.citizen_id) is None:
        raise ValidationError(NO_CONSENT)
    _situation, situation = _engine_situation_of(file.citizen_id)
    if situation is None:
        raise ValidationError(NO_SITUATION)
    try:
        return estimate(situation=situation, period=period)
    except SituationError as error:
        raise ValidationError(error.messages) from None
    except EngineError as error:
        logger.warning("droits: engine error for file %s", file.pk)
        raise ValidationError(str(error)) from None


def _results(result: Estimate) -> list[dict]:
    return [
        {
            "code": b.code,
            "label": b.label,
            "monthly_amount": str(b.monthly_amount),
            # A right with no money paid (the free complémentaire santé solidaire) is still a right.
            "eligible": b.eligible,
            "depends_on": list(b.depends_on),
            "note": b.note,
        }
        for b in result.benefits
    ]


def _month_label(period: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return formats.date_format(datetime.date(year, month, 1), "F Y")


def estimate_save(*, actor, file, period: str | None = None) -> RightsEstimate:
    """Compute the estimate again (what is saved is what the engine says for the recorded situation, not what a
    form posted) and save it on the file, with a timeline entry visible to the agent's team (its title names
    no amount). Refused, in French, without a current consent, a situation, or a team of the agent."""
    result = estimate_compute(actor=actor, file=file, period=period)
    team = perms.estimate_team(actor, file)
    if team is None:
        raise ValidationError(NO_TEAM)
    with transaction.atomic():
        consent = _current_consent(file.citizen_id, lock=True)
        if consent is None:  # withdrawn meanwhile
            raise ValidationError(NO_CONSENT)
        saved = RightsEstimate.objects.create(
            citizen_id=file.citizen_id,
            consent=consent,
            period=result.period,
            engine=result.engine[:200],
            legislation=result.legislation[:300],
            results=_results(result),
            created_by=actor,
            team=team,
        )
        timeline_record(
            citizen_id=file.citizen_id,
            kind=TimelineEntry.Kind.RIGHTS_ESTIMATE,
            title=_("Estimation des droits (%(month)s)") % {"month": _month_label(result.period)},
            actor=actor,
            file=file,
            visibility=Visibility.TEAM,
            team=team,
            source=saved,
        )
    logger.info("droits: estimate %s saved on file %s", saved.pk, file.pk)
    return saved
