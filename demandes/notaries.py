"""Notaries' requests about the social aid the Département may recover from an estate (recours sur succession).

A notary's office (an ``Organisation`` of kind notary) files the request with the deceased's identity.
The handling team identifies the deceased against the citizen reference (``grc.matching``): every
candidate shown is written to the access log (``citizen.match``, purpose: the request's code). The
answer is a decision that states the recoverable amounts, or that there are none, in the decision
letter (``demandes.decisions``).

The form's fields are read by their names (labels in the Wagtail form builder): « Nom de naissance du
défunt », « Nom d'usage du défunt », « Prénoms du défunt », « Date de naissance du défunt ».
"""

from __future__ import annotations

import datetime
import decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.matching.candidates import IdentityQuery, match
from grc.models import Citizen

from .decisions import amount_parse, euros
from .models import Request, RequestEvent
from .perms import can_work_request
from .services import request_accept

MAX_CANDIDATES = 5
# The answer the form builder stores for « Nom de naissance du défunt »: what makes a request a notary's.
DECEASED_FIELD = "nom_de_naissance_du_defunt"


def is_notary_request(request: Request) -> bool:
    """Whether a request asks about a deceased person's estate (its form has the deceased's birth name)."""
    return DECEASED_FIELD in (request.answers or {})


def deceased_identity(request: Request) -> list[tuple[str, str]]:
    """(label, value) of the deceased as the notary typed them, for the handling team's screen."""
    answers = request.answers or {}
    labels = (
        (DECEASED_FIELD, _("Nom de naissance")),
        ("nom_dusage_du_defunt", _("Nom d'usage")),
        ("prenoms_du_defunt", _("Prénoms")),
        ("date_de_naissance_du_defunt", _("Date de naissance")),
        ("date_du_deces", _("Date du décès")),
        ("derniere_commune_de_residence_du_defunt", _("Dernière commune de résidence")),
    )
    return [(label, str(answers.get(name) or "—")) for name, label in labels]


def _deceased_query(answers: dict) -> IdentityQuery:
    born = str(answers.get("date_de_naissance_du_defunt") or "")
    try:
        birth_date = datetime.date.fromisoformat(born) if born else None
    except ValueError:
        birth_date = None
    return IdentityQuery(
        birth_name=str(answers.get(DECEASED_FIELD) or ""),
        usage_name=str(answers.get("nom_dusage_du_defunt") or ""),
        first_names=str(answers.get("prenoms_du_defunt") or ""),
        birth_date=birth_date,
    )


def notary_deceased_candidates(*, user, request: Request, http_request=None) -> list[tuple[Citizen, float]]:
    """Citizens who may be the deceased of a notary's request, best first (a selector: read, logged).

    Only the handling team (``demandes.perms.can_work_request``; 404 otherwise). Each candidate shown
    writes an access-log row ``citizen.match`` with the request's code as the purpose.
    """
    if not can_work_request(user, request):
        raise Http404
    found = match(_deceased_query(request.answers or {}), limit=MAX_CANDIDATES)
    citizens = Citizen.objects.in_bulk([c.citizen_id for c in found])
    result = []
    for candidate in found:
        citizen = citizens.get(candidate.citizen_id)
        if citizen is None:
            continue
        access_log_write(
            actor=user,
            action=AccessLog.Action.CITIZEN_MATCH,
            citizen=citizen.pk,
            obj=request,
            purpose=f"recours sur succession {request.tracking_code}",
            request=http_request,
        )
        result.append((citizen, candidate.score))
    return result


@transaction.atomic
def notary_request_answer(
    *, request: Request, actor, deceased: Citizen | None, recoverable: list[tuple[str, object]]
) -> Request:
    """Answer a notary: the recoverable amounts per aid (label, euros), or none; the request is decided.

    ``deceased`` is the citizen identified (``None``: not known of the Département's social aid, so
    nothing is recoverable).
    """
    lines = []
    total = decimal.Decimal("0")
    for label, amount in recoverable if deceased is not None else []:
        value = amount_parse(amount)
        label = (label or "").strip()
        if not label or value is None:
            raise ValidationError({"recoverable": [_("Indiquez pour chaque aide son nom et le montant récupérable.")]})
        if value:
            lines.append(f"– {label} : {euros(value)}")
            total += value
    if deceased is None:
        reason = _("La personne décédée n'est pas connue des services d'aide sociale du Département : aucune créance.")
    elif not lines:
        reason = _("Aucune somme n'est récupérable sur la succession au titre de l'aide sociale départementale.")
    else:
        reason = _("Sommes récupérables sur la succession (total %(total)s) :") % {"total": euros(total)}
        reason += "\n" + "\n".join(lines)
    decided = request_accept(request=request, reason=reason, actor=actor)
    # Which file of the reference the team identified, for the recovery that follows: an internal step
    # (the notary reads the decision, not the Département's file number).
    RequestEvent.objects.create(
        request=decided,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_status=decided.status,
        to_status=decided.status,
        comment=_("Défunt identifié : fiche usager n° %(pk)s") % {"pk": deceased.pk}
        if deceased is not None
        else _("Défunt inconnu des services d'aide sociale"),
        visible_to_citizen=False,
    )
    return decided
