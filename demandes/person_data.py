"""Requests' section of a person's data (registered from ``apps.py``): the requests about the person or
filed by their own account, with answers, decision, status steps (comments of internal steps withheld
and counted), messages and attachments (joined to the archive)."""

from __future__ import annotations

from django.db.models import Q

from grc.person_data_registry import PersonDataSection, file_suffix, iso

from .models import Request


def _requests_of(scope):
    where = Q(citizen_id__in=scope.ids)
    if scope.account is not None:
        where |= Q(account_id=scope.account.pk)
    return list(
        Request.objects.filter(where)
        .select_related("team")
        .prefetch_related("events", "messages__attachments", "attachments")
        .order_by("created_at", "pk")
    )


def _steps(scope, request):
    steps = []
    for event in request.events.all():
        if not event.visible_to_citizen and event.comment:
            scope.withheld["commentaires_internes"] += 1
        steps.append(
            {
                "date": iso(event.at),
                "de": event.get_from_status_display() if event.from_status else "",
                "vers": event.get_to_status_display(),
                "commentaire": event.comment if event.visible_to_citizen else "",
                "etape_interne": not event.visible_to_citizen,
            }
        )
    return steps


def _attachments(scope, request):
    attachments = []
    for attachment in request.attachments.all():
        name = f"demandes/{request.pk}/{attachment.pk}{file_suffix(attachment.content_type)}"
        scope.files.append((name, attachment.file))
        attachments.append(
            {
                "nom": attachment.original_name,
                "champ": attachment.field_name,
                "message": attachment.message_id is not None,
                "taille_octets": attachment.size,
                "fichier_dans_l_archive": name,
            }
        )
    return attachments


def _requests(scope):
    requests = _requests_of(scope)
    scope.staff.load(message.author_id for r in requests for message in r.messages.all())
    return [
        {
            "numero_de_suivi": r.tracking_code,
            "demarche": r.procedure_title,
            "canal": r.get_channel_display(),
            "statut": r.get_status_display(),
            "equipe": str(r.team) if r.team_id else None,
            "creee_le": iso(r.created_at),
            "deposee_le": iso(r.submitted_at),
            "echeance": iso(r.due_date),
            "decidee_le": iso(r.decided_at),
            "motif_de_la_decision": r.decision_reason,
            "reponses": r.answers,
            "pieces_manquantes": r.missing_items,
            "etapes": _steps(scope, r),
            "messages": [
                {
                    "date": iso(m.at),
                    "de": "Vous" if m.from_citizen else scope.staff.describe(m.author_id, m.at),
                    "de_vous": m.from_citizen,
                    "message": m.body,
                    "pieces_jointes": [a.original_name for a in m.attachments.all()],
                }
                for m in r.messages.all()
            ],
            "pieces_jointes": _attachments(scope, r),
        }
        for r in requests
    ]


REQUESTS_SECTION = PersonDataSection(key="demandes", order=80, build=_requests)
