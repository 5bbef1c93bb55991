"""The access-right archive (Art. 15 RGPD): everything held about one citizen, as JSON and a readable PDF,
with the files, in one ZIP written to private storage.

What is communicated, and what is not (the archive repeats these rules in its section
"Ce qui n'est pas communiqué"):

* **The person**: identity, addresses, contact points, portal account, the duplicate records merged
  into this one (they are the same person), the GDPR requests they made.
* **Households**: the person's own memberships (household number, role, dates). **Other members are
  reduced to their role** in the household ("Conjoint", "Enfant"): no name, birth date or contact,
  and the household's label is not given (it usually carries a family name).
* **Social file**: accompaniments (programme, team, dates, status, closing reason), professionals
  following the person (their role), sharing grants (recipient team, purpose, legal basis — Art.
  15(1)(c): recipients), emergency accesses (dates and reason).
* **Notes**: *file* and *team* notes are given in full **except notes the DPO flagged as holding
  third-party information** (``Withholding``; third parties cannot be detected automatically, so the
  rule is: a note is withheld when its author or the DPO says so, and the archive counts them).
  **Private notes** (an author's working notes, *visibility private*) are withheld and counted.
* **Documents**: listed, and their bytes are in the ZIP, except documents flagged like notes.
* **Requests**: procedure, channel, status, answers, decision, the status steps (comments of
  internal steps withheld), the messages and their attachments (files in the ZIP).
* **Mail**: registration number, dates, type, status, sender, recognised text, and the scan.
* **Accesses** to the person's records (access log): when, what, the team and role of the reader, and
  the stated purpose — **not the reader's name** unless the DPO decides so (``include_staff_names``,
  which also names referents and authors).

Nothing about another person: every query is keyed by the citizen's id (and the ids of records merged
into it), never by a name.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import tempfile
import zipfile
from collections import Counter, defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier_unique.models import (
    Accompaniment,
    Document,
    EmergencyAccess,
    FileMember,
    Note,
    SharingGrant,
    SocialFile,
    Visibility,
)
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.history import save_tracked
from mail.models import MailItem
from grc.models import Citizen, HouseholdMembership, Membership
from grc.pdf import Section, render_pdf
from demandes.models import Request
from grc.scheduling import enqueue_on_commit

from .models import AccessArchive, GdprRequest
from .perms import is_dpo

logger = logging.getLogger(__name__)

_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}

WITHHELD_RULES = [
    "Les autres membres de vos foyers ne sont désignés que par leur rôle (conjoint, enfant…) : leurs noms, "
    "dates de naissance et coordonnées ne vous sont pas communiqués, ni le libellé du foyer.",
    "Les notes privées (notes de travail personnelles d'un professionnel) ne sont pas communiquées.",
    "Les notes, documents et courriers signalés par leur auteur ou par le délégué à la protection des données "
    "comme contenant des informations sur d'autres personnes (tiers) ne sont pas communiqués.",
    "Les commentaires des étapes internes de vos demandes ne sont pas communiqués.",
    "Les noms des agents qui ont consulté vos données ne sont pas communiqués : leur équipe et leur fonction "
    "le sont (sauf décision contraire du délégué à la protection des données).",
]


def _d(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def person_ids(citizen: Citizen) -> list[int]:
    """The citizen and every record merged into it (directly or through a chain of merges)."""
    ids = [citizen.pk]
    frontier = [citizen.pk]
    while frontier:
        frontier = list(
            Citizen.objects.filter(merged_into_id__in=frontier, status=Citizen.Status.MERGED).values_list(
                "pk", flat=True
            )
        )
        frontier = [pk for pk in frontier if pk not in ids]
        ids.extend(frontier)
    return ids


class _Staff:
    """How a professional is designated: team and role at the date, or their name if the DPO decided."""

    def __init__(self, user_ids, *, include_names: bool, own_account_id: int | None):
        from grc.models import User

        self.include_names = include_names
        self.own_account_id = own_account_id
        ids = {pk for pk in user_ids if pk}
        self.users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        self.memberships = defaultdict(list)
        for membership in Membership.objects.filter(user_id__in=ids).select_related("team"):
            self.memberships[membership.user_id].append(membership)

    def describe(self, user_id, when=None) -> str:
        if user_id is None:
            return "Traitement automatique"
        if user_id == self.own_account_id:
            return "Vous-même"
        user = self.users.get(user_id)
        day = timezone.localtime(when).date() if isinstance(when, datetime.datetime) else when
        chosen = None
        for membership in self.memberships.get(user_id, []):
            if day is None or (
                membership.start_date <= day and (membership.end_date is None or membership.end_date >= day)
            ):
                chosen = membership
                break
        if chosen is None and self.memberships.get(user_id):
            chosen = self.memberships[user_id][0]
        if chosen is not None:
            label = f"{chosen.get_role_display()} — {chosen.team.name}"
        elif user is not None and user.is_service_account:
            label = "Système d'information du Département"
        else:
            label = "Agent du Département"
        if self.include_names and user is not None:
            return f"{user.get_full_name() or user.email} ({label})"
        return label


def build_archive_data(
    *, citizen: Citizen, include_staff_names: bool = False
) -> tuple[dict, list[tuple[str, object]]]:
    """The archive's content as a JSON-serialisable dict, and the files to add: [(name in zip, FieldFile)].

    Reads without permission checks or access log: callers are the DPO's service below.
    """
    ids = person_ids(citizen)
    files: list[tuple[str, object]] = []
    withheld = Counter()

    identity = {
        "numero": citizen.pk,
        "nom_de_naissance": citizen.birth_name,
        "nom_d_usage": citizen.usage_name,
        "prenoms": citizen.first_names,
        "date_de_naissance": _iso(citizen.birth_date),
        "lieu_de_naissance": citizen.birth_place,
        "pays_de_naissance": citizen.birth_country,
        "sexe": citizen.get_sex_display(),
        "nir": citizen.nir,
        "niveau_de_garantie": citizen.get_assurance_level_display(),
        "cree_le": _iso(citizen.created_at),
    }
    merged = [
        {
            "numero": c.pk,
            "nom_de_naissance": c.birth_name,
            "nom_d_usage": c.usage_name,
            "prenoms": c.first_names,
            "date_de_naissance": _iso(c.birth_date),
        }
        for c in Citizen.objects.filter(pk__in=ids[1:]).order_by("pk")
    ]
    own_account_id = citizen.user_id

    from grc.models import Address, ContactPoint

    addresses = [
        {
            "adresse": a.line1,
            "complement": a.line2,
            "code_postal": a.postcode,
            "commune": a.city,
            "pays": a.country,
            "depuis": _iso(a.start_date),
            "jusqu_au": _iso(a.end_date),
        }
        for a in Address.objects.filter(citizen_id__in=ids).order_by("-start_date", "-pk")
    ]
    contacts = [
        {"type": c.get_kind_display(), "valeur": c.value, "principal": c.is_primary}
        for c in ContactPoint.objects.filter(citizen_id__in=ids).order_by("pk")
    ]

    households = []
    memberships = list(HouseholdMembership.objects.filter(citizen_id__in=ids).order_by("pk"))
    others = defaultdict(list)
    for other in (
        HouseholdMembership.objects.filter(household_id__in=[m.household_id for m in memberships])
        .exclude(citizen_id__in=ids)
        .order_by("household_id", "role", "pk")
    ):
        others[other.household_id].append(other.get_role_display())
    for m in memberships:
        households.append(
            {
                "foyer": f"Foyer n° {m.household_id}",
                "votre_role": m.get_role_display(),
                "depuis": _iso(m.start_date),
                "jusqu_au": _iso(m.end_date),
                "autres_membres": others[m.household_id],
            }
        )
        withheld["membres_de_foyer"] += len(others[m.household_id])

    account = None
    if citizen.user_id:
        user = citizen.user
        account = {
            "adresse_electronique": user.email,
            "cree_le": _iso(user.date_joined),
            "derniere_connexion": _iso(user.last_login),
            "actif": user.is_active,
        }
        profile = getattr(user, "citizen_profile", None) if hasattr(user, "citizen_profile") else None
        if profile is not None:
            account["identite_declaree"] = {
                "nom_de_naissance": profile.birth_name,
                "nom_d_usage": profile.usage_name,
                "prenoms": profile.first_names,
                "date_de_naissance": _iso(profile.birth_date),
                "lieu_de_naissance": profile.birth_place,
                "origine": profile.get_source_display(),
            }

    social_files = list(SocialFile.objects.filter(citizen_id__in=ids).select_related("territory").order_by("pk"))
    file_ids = [f.pk for f in social_files]
    accompaniments = list(
        Accompaniment.objects.filter(file_id__in=file_ids).select_related("team").order_by("start_date", "pk")
    )
    notes = list(
        Note.objects.filter(file_id__in=file_ids).select_related("team", "withholding").order_by("created_at")
    )
    documents = list(
        Document.objects.filter(file_id__in=file_ids).select_related("withholding").order_by("uploaded_at")
    )
    members = list(FileMember.objects.filter(file_id__in=file_ids).order_by("start_date", "pk"))
    grants = list(SharingGrant.objects.filter(file_id__in=file_ids).select_related("grantee_team").order_by("pk"))
    emergencies = list(EmergencyAccess.objects.filter(file_id__in=file_ids).order_by("started_at"))
    requests = list(
        Request.objects.filter(
            Q(citizen_id__in=ids) | Q(account_id=own_account_id) if own_account_id else Q(citizen_id__in=ids)
        )
        .prefetch_related("events", "messages", "attachments")
        .order_by("created_at")
    )
    mail_items = list(
        MailItem.objects.filter(citizen_id__in=ids)
        .select_related("mail_type", "withholding")
        .prefetch_related("pages")
    )
    logs = list(AccessLog.objects.filter(citizen_id__in=ids).order_by("at", "seq"))
    staff = _Staff(
        [a.referent_id for a in accompaniments]
        + [n.author_id for n in notes]
        + [m.user_id for m in members]
        + [g.grantee_user_id for g in grants]
        + [e.user_id for e in emergencies]
        + [log.actor_id for log in logs]
        + [msg.author_id for r in requests for msg in r.messages.all()],
        include_names=include_staff_names,
        own_account_id=own_account_id,
    )

    files_data = []
    for social_file in social_files:
        file_notes = []
        for note in notes:
            if note.file_id != social_file.pk:
                continue
            if note.visibility == Visibility.PRIVATE:
                withheld["notes_privees"] += 1
                continue
            if getattr(note, "withholding", None) is not None:
                withheld["notes_avec_tiers"] += 1
                continue
            file_notes.append(
                {
                    "date": _iso(note.created_at),
                    "type": note.get_kind_display(),
                    "visibilite": note.get_visibility_display(),
                    "equipe": note.team.name if note.team else "",
                    "auteur": staff.describe(note.author_id, note.created_at),
                    "texte": note.text,
                }
            )
        file_documents = []
        for document in documents:
            if document.file_id != social_file.pk:
                continue
            if getattr(document, "withholding", None) is not None:
                withheld["documents_avec_tiers"] += 1
                continue
            name = f"documents/{document.pk}{_EXTENSIONS.get(document.content_type, '')}"
            files.append((name, document.content))
            file_documents.append(
                {
                    "type": document.get_doc_type_display(),
                    "depose_le": _iso(document.uploaded_at),
                    "nom_d_origine": document.original_name,
                    "taille_octets": document.size,
                    "fichier_dans_l_archive": name,
                }
            )
        files_data.append(
            {
                "numero": social_file.pk,
                "cree_le": _iso(social_file.created_at),
                "territoire": social_file.territory.name if social_file.territory else "",
                "accompagnements": [
                    {
                        "dispositif": a.get_programme_display(),
                        "equipe": a.team.name,
                        "referent": staff.describe(a.referent_id, a.start_date) if a.referent_id else "",
                        "debut": _iso(a.start_date),
                        "fin": _iso(a.end_date),
                        "statut": a.get_status_display(),
                        "motif_de_cloture": a.closing_reason,
                    }
                    for a in accompaniments
                    if a.file_id == social_file.pk
                ],
                "intervenants": [
                    {
                        "role": m.role,
                        "professionnel": staff.describe(m.user_id, m.start_date),
                        "debut": _iso(m.start_date),
                        "fin": _iso(m.end_date),
                    }
                    for m in members
                    if m.file_id == social_file.pk
                ],
                "partages": [
                    {
                        "destinataire": g.grantee_team.name
                        if g.grantee_team_id
                        else staff.describe(g.grantee_user_id, g.granted_at),
                        "finalite": g.purpose,
                        "base_legale": g.get_legal_basis_display(),
                        "famille_informee": g.family_informed,
                        "accorde_le": _iso(g.granted_at),
                        "expire_le": _iso(g.expires_at),
                        "revoque_le": _iso(g.revoked_at),
                    }
                    for g in grants
                    if g.file_id == social_file.pk
                ],
                "acces_d_urgence": [
                    {
                        "par": staff.describe(e.user_id, e.started_at),
                        "debut": _iso(e.started_at),
                        "fin": _iso(e.ended_at or e.expires_at),
                        "motif": e.reason,
                    }
                    for e in emergencies
                    if e.file_id == social_file.pk
                ],
                "notes": file_notes,
                "documents": file_documents,
            }
        )

    requests_data = []
    for r in requests:
        events = []
        for event in r.events.all():
            if not event.visible_to_citizen and event.comment:
                withheld["commentaires_internes"] += 1
            events.append(
                {
                    "date": _iso(event.at),
                    "de": event.get_from_status_display() if event.from_status else "",
                    "vers": event.get_to_status_display(),
                    "commentaire": event.comment if event.visible_to_citizen else "",
                }
            )
        attachments = []
        for attachment in r.attachments.all():
            name = f"demandes/{r.pk}/{attachment.pk}{_EXTENSIONS.get(attachment.content_type, '')}"
            files.append((name, attachment.file))
            attachments.append(
                {
                    "nom": attachment.original_name,
                    "champ": attachment.field_name,
                    "message": attachment.message_id is not None,
                    "taille_octets": attachment.size,
                    "fichier_dans_l_archive": name,
                }
            )
        requests_data.append(
            {
                "numero_de_suivi": r.tracking_code,
                "demarche": r.procedure_title,
                "canal": r.get_channel_display(),
                "statut": r.get_status_display(),
                "deposee_le": _iso(r.submitted_at),
                "decidee_le": _iso(r.decided_at),
                "motif_de_la_decision": r.decision_reason,
                "reponses": r.answers,
                "pieces_manquantes": r.missing_items,
                "etapes": events,
                "messages": [
                    {
                        "date": _iso(m.at),
                        "de": "Vous" if m.from_citizen else staff.describe(m.author_id, m.at),
                        "message": m.body,
                    }
                    for m in r.messages.all()
                ],
                "pieces_jointes": attachments,
            }
        )

    mail_data = []
    for item in sorted(mail_items, key=lambda i: i.received_at):
        if getattr(item, "withholding", None) is not None:
            withheld["courriers_avec_tiers"] += 1
            continue
        name = ""
        if item.original:
            name = f"courriers/{item.registration_number}{_EXTENSIONS.get(item.content_type, '')}"
            files.append((name, item.original))
        text = item.ocr_text or "\n\n".join(p.text for p in item.pages.all() if p.text)
        mail_data.append(
            {
                "numero_d_enregistrement": item.registration_number,
                "recu_le": _iso(item.received_at),
                "type": item.mail_type.name if item.mail_type else "",
                "statut": item.get_status_display(),
                "expediteur": item.sender,
                "texte_reconnu": text,
                "numerisation": name,
            }
        )

    gdpr = [
        {
            "reference": g.reference,
            "droit": g.get_kind_display(),
            "recue_le": _iso(g.received_on),
            "statut": g.get_status_display(),
            "echeance": _iso(g.due_date),
            "repondue_le": _iso(g.answered_on),
        }
        for g in GdprRequest.objects.filter(citizen_id__in=ids).order_by("received_on", "pk")
    ]

    accesses = [
        {
            "date": _iso(log.at),
            "action": log.get_action_display(),
            "par": staff.describe(log.actor_id, log.at),
            "finalite": log.purpose,
        }
        for log in logs
    ]
    data = {
        "responsable_du_traitement": getattr(settings, "GRC_ORGANISATION_NAME", "Département"),
        "etabli_le": _iso(timezone.now()),
        "identite": identity,
        "fiches_fusionnees": merged,
        "adresses": addresses,
        "moyens_de_contact": contacts,
        "foyers": households,
        "compte_du_portail": account,
        "dossiers_sociaux": files_data,
        "demandes": requests_data,
        "courriers": mail_data,
        "demandes_rgpd": gdpr,
        "acces_a_vos_donnees": accesses,
        "ce_qui_n_est_pas_communique": {"regles": WITHHELD_RULES, "nombres": dict(withheld)},
    }
    return data, files


def _pdf(data: dict) -> bytes:
    identity = data["identite"]
    sections = [
        Section(
            title="Votre identité",
            rows=[
                ("Nom de naissance", identity["nom_de_naissance"]),
                ("Nom d'usage", identity["nom_d_usage"] or "—"),
                ("Prénoms", identity["prenoms"]),
                ("Date de naissance", identity["date_de_naissance"] or "—"),
                ("Lieu de naissance", identity["lieu_de_naissance"] or "—"),
                ("Sexe", identity["sexe"]),
                ("NIR", identity["nir"] or "—"),
                ("Niveau de garantie", identity["niveau_de_garantie"]),
            ],
        )
    ]
    if data["fiches_fusionnees"]:
        sections.append(
            Section(
                title="Fiches en double rattachées à la vôtre",
                items=[
                    f"Fiche n° {m['numero']} : {m['nom_de_naissance']} {m['prenoms']} {m['date_de_naissance'] or ''}"
                    for m in data["fiches_fusionnees"]
                ],
            )
        )
    sections.append(
        Section(
            title="Adresses et moyens de contact",
            items=[
                f"{a['adresse']} {a['complement']}, {a['code_postal']} {a['commune']} "
                f"(depuis {a['depuis'] or '?'}{', jusqu’au ' + a['jusqu_au'] if a['jusqu_au'] else ''})"
                for a in data["adresses"]
            ]
            + [f"{c['type']} : {c['valeur']}" for c in data["moyens_de_contact"]]
            or ["Aucun"],
        )
    )
    sections.append(
        Section(
            title="Foyers",
            items=[
                f"{h['foyer']} — votre rôle : {h['votre_role']}"
                + (f" — autres membres : {', '.join(h['autres_membres'])}" if h["autres_membres"] else "")
                for h in data["foyers"]
            ]
            or ["Aucun"],
        )
    )
    if data["compte_du_portail"]:
        account = data["compte_du_portail"]
        sections.append(
            Section(
                title="Compte du portail",
                rows=[
                    ("Adresse électronique", account["adresse_electronique"]),
                    ("Créé le", account["cree_le"] or ""),
                    ("Dernière connexion", account["derniere_connexion"] or "—"),
                ],
            )
        )
    for social_file in data["dossiers_sociaux"]:
        sections.append(
            Section(
                title=f"Dossier social n° {social_file['numero']}",
                items=[
                    f"Accompagnement {a['dispositif']} — {a['equipe']} — du {a['debut']}"
                    + (f" au {a['fin']}" if a["fin"] else " (en cours)")
                    + (f" — référent : {a['referent']}" if a["referent"] else "")
                    + (f" — motif de clôture : {a['motif_de_cloture']}" if a["motif_de_cloture"] else "")
                    for a in social_file["accompagnements"]
                ]
                + [f"Intervenant : {m['role']} — {m['professionnel']}" for m in social_file["intervenants"]]
                + [
                    f"Partage avec {g['destinataire']} ({g['base_legale']}) : {g['finalite']}"
                    for g in social_file["partages"]
                ]
                + [f"Accès d'urgence le {e['debut']} : {e['motif']}" for e in social_file["acces_d_urgence"]],
            )
        )
        sections.append(
            Section(
                title=f"Notes du dossier n° {social_file['numero']}",
                paragraphs=[f"{n['date']} — {n['type']} ({n['auteur']})\n{n['texte']}" for n in social_file["notes"]]
                or ["Aucune note communicable."],
            )
        )
        sections.append(
            Section(
                title=f"Documents du dossier n° {social_file['numero']}",
                items=[
                    f"{d['type']} — {d['nom_d_origine']} — déposé le {d['depose_le']}"
                    f" — fichier {d['fichier_dans_l_archive']}"
                    for d in social_file["documents"]
                ]
                or ["Aucun document."],
            )
        )
    for r in data["demandes"]:
        paragraphs = [
            f"Démarche : {r['demarche']} — canal : {r['canal']} — statut : {r['statut']}",
        ]
        if r["reponses"]:
            paragraphs.append(
                "Réponses :\n" + "\n".join(f"{k} : {v}" for k, v in sorted(r["reponses"].items(), key=str))
            )
        if r["motif_de_la_decision"]:
            paragraphs.append(f"Motif de la décision : {r['motif_de_la_decision']}")
        paragraphs += [
            f"{e['date']} : {e['de'] or '—'} → {e['vers']}" + (f" — {e['commentaire']}" if e["commentaire"] else "")
            for e in r["etapes"]
        ]
        paragraphs += [f"Message du {m['date']} ({m['de']}) :\n{m['message']}" for m in r["messages"]]
        paragraphs += [f"Pièce jointe : {a['nom']} ({a['fichier_dans_l_archive']})" for a in r["pieces_jointes"]]
        sections.append(Section(title=f"Demande {r['numero_de_suivi']}", paragraphs=paragraphs))
    for m in data["courriers"]:
        sections.append(
            Section(
                title=f"Courrier {m['numero_d_enregistrement']}",
                rows=[
                    ("Reçu le", m["recu_le"] or ""),
                    ("Type", m["type"] or "—"),
                    ("Statut", m["statut"]),
                    ("Expéditeur", m["expediteur"] or "—"),
                    ("Numérisation", m["numerisation"] or "—"),
                ],
                paragraphs=[f"Texte reconnu :\n{m['texte_reconnu']}"] if m["texte_reconnu"] else [],
            )
        )
    if data["demandes_rgpd"]:
        sections.append(
            Section(
                title="Vos demandes d'exercice de droits",
                items=[
                    f"{g['reference']} — {g['droit']} — reçue le {g['recue_le']} — {g['statut']}"
                    for g in data["demandes_rgpd"]
                ],
            )
        )
    sections.append(
        Section(
            title="Accès à vos données",
            paragraphs=["Chaque consultation de vos données est enregistrée. Voici qui les a consultées et pourquoi."],
            items=[
                f"{a['date']} — {a['action']} — {a['par']}" + (f" — {a['finalite']}" if a["finalite"] else "")
                for a in data["acces_a_vos_donnees"]
            ]
            or ["Aucun accès enregistré."],
        )
    )
    counts = data["ce_qui_n_est_pas_communique"]["nombres"]
    labels = {
        "membres_de_foyer": "membre(s) de foyer désigné(s) par leur seul rôle",
        "notes_privees": "note(s) privée(s) non communiquée(s)",
        "notes_avec_tiers": "note(s) contenant des informations sur des tiers non communiquée(s)",
        "documents_avec_tiers": "document(s) contenant des informations sur des tiers non communiqué(s)",
        "courriers_avec_tiers": "courrier(s) émanant de tiers ou les concernant non communiqué(s)",
        "commentaires_internes": "commentaire(s) d'étapes internes non communiqué(s)",
    }
    sections.append(
        Section(
            title="Ce qui n'est pas communiqué",
            paragraphs=data["ce_qui_n_est_pas_communique"]["regles"],
            items=[f"{count} {labels.get(key, key)}" for key, count in sorted(counts.items()) if count],
        )
    )
    return render_pdf(
        title="Vos données personnelles",
        subtitle="Réponse à votre demande de droit d'accès (article 15 du RGPD)",
        sections=sections,
    )


def _summary(data: dict) -> dict:
    files = data["dossiers_sociaux"]
    return {
        "adresses": len(data["adresses"]),
        "moyens_de_contact": len(data["moyens_de_contact"]),
        "foyers": len(data["foyers"]),
        "dossiers_sociaux": len(files),
        "accompagnements": sum(len(f["accompagnements"]) for f in files),
        "notes": sum(len(f["notes"]) for f in files),
        "documents": sum(len(f["documents"]) for f in files),
        "demandes": len(data["demandes"]),
        "courriers": len(data["courriers"]),
        "acces": len(data["acces_a_vos_donnees"]),
        "non_communique": data["ce_qui_n_est_pas_communique"]["nombres"],
    }


def write_zip(target, *, data: dict, pdf: bytes, files) -> None:
    """Write archive.json, archive.pdf and ``files`` [(name, FieldFile)] into the open binary ``target``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        archive.writestr("archive.pdf", pdf)
        for name, field_file in files:
            try:
                with field_file.open("rb") as source, archive.open(name, "w") as out:
                    for chunk in iter(lambda s=source: s.read(1024 * 1024), b""):
                        out.write(chunk)
            except (FileNotFoundError, ValueError):
                archive.writestr(name + ".manquant.txt", "Fichier introuvable dans le stockage au moment de l'export.")


def _store(field, instance, temp) -> tuple[int, str]:
    temp.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: temp.read(1024 * 1024), b""):
        digest.update(chunk)
    size = temp.tell()
    temp.seek(0)
    field.save("archive.zip", File(temp), save=False)
    return size, digest.hexdigest()


# French reasons shown to the DPO when a compilation fails: they name no one and no file (an exception's
# text can carry a path, a name or a NIR, so it is never shown or logged, only its class).
FAILURE_STORAGE = (
    "Un fichier n'a pas pu être lu ou écrit dans le stockage (pièce du dossier, numérisation ou l'archive "
    "elle-même) : l'archive n'a pas été constituée. Faites vérifier le stockage, puis constituez-la de nouveau."
)
FAILURE_ROLE = (
    "La personne qui a demandé l'archive n'a plus le rôle de délégué(e) à la protection des données : "
    "l'archive n'a pas été constituée."
)
FAILURE_OTHER = (
    "La constitution de l'archive a échoué (erreur technique consignée dans le journal de l'application). "
    "Constituez-la de nouveau ; si l'échec se répète, prévenez l'équipe technique."
)
FAILURE_NOT_QUEUED = (
    "La préparation de l'archive n'a pas pu être lancée (file des traitements indisponible). "
    "Constituez-la de nouveau dans quelques minutes."
)
FAILURE_STALLED = (
    "La préparation de l'archive a été interrompue (aucun résultat dans le délai prévu) : constituez-la de nouveau."
)


def _failure_message(error: BaseException) -> str:
    if isinstance(error, PermissionDenied):
        return FAILURE_ROLE
    if isinstance(error, OSError):
        return FAILURE_STORAGE
    return FAILURE_OTHER


def _archive_fail(archive_id: int, *, message: str, actor) -> None:
    """Mark a pending archive failed with ``message`` (a finished one is left as it is)."""
    with transaction.atomic():
        archive = AccessArchive.objects.select_for_update().filter(pk=archive_id, status=AccessArchive.Status.PENDING)
        archive = archive.first()
        if archive is None:
            return
        archive.status = AccessArchive.Status.FAILED
        archive.failure_message = message
        archive.finished_at = timezone.now()
        save_tracked(archive, actor, "échec de la constitution")


def _compile_into(archive: AccessArchive, *, actor, request=None, request_id: str = "") -> AccessArchive:
    """Compile the pending ``archive``: build, write the ZIP to private storage, then in one transaction mark
    it ready, log it (``GDPR_ACCESS_ARCHIVE``, actor = the DPO who asked) and link it to its request.

    The slow part (reading every record and file, the PDF, the ZIP) runs outside any transaction. If the
    archive is no longer pending when it is done (marked failed as stalled meanwhile), the file is removed
    and nothing is logged."""
    if not is_dpo(actor):
        raise PermissionDenied
    data, files = build_archive_data(citizen=archive.citizen, include_staff_names=archive.include_staff_names)
    pdf = _pdf(data)
    content = archive.content
    with tempfile.TemporaryFile() as temp:
        write_zip(temp, data=data, pdf=pdf, files=files)
        size, sha256 = _store(content, archive, temp)
    try:
        with transaction.atomic():
            current = AccessArchive.objects.select_for_update().filter(pk=archive.pk).first()
            if current is None or not current.is_pending:
                content.delete(save=False)
                return current or archive
            current.content = content.name
            current.size, current.sha256 = size, sha256
            current.summary = _summary(data)
            current.status = AccessArchive.Status.READY
            current.failure_message = ""
            current.finished_at = timezone.now()
            save_tracked(current, actor, "archive constituée")
            gdpr_request = current.gdpr_request
            access_log_write(
                actor=actor,
                action=AccessLog.Action.GDPR_ACCESS_ARCHIVE,
                citizen=current.citizen_id,
                obj=current,
                purpose=f"droit d'accès {gdpr_request.reference}" if gdpr_request else "droit d'accès",
                request=request,
                request_id=request_id,
            )
            if gdpr_request is not None:
                from .services import gdpr_request_link_archive

                gdpr_request_link_archive(gdpr_request=gdpr_request, archive=current, actor=actor)
    except BaseException:
        content.delete(save=False)
        raise
    return current


def access_archive_compile(
    *,
    citizen: Citizen,
    actor,
    gdpr_request: GdprRequest | None = None,
    include_staff_names: bool = False,
    request=None,
) -> AccessArchive:
    """Compile the access-right archive of ``citizen`` now, in the caller's process (DPO only): the
    demo seeder, management use and tests. The register asks for it with ``access_archive_request``,
    compiled by the background task. A failure marks the archive failed and is raised."""
    if not is_dpo(actor):
        raise PermissionDenied
    archive = save_tracked(
        AccessArchive(
            citizen=citizen,
            gdpr_request=gdpr_request,
            created_by=actor,
            include_staff_names=include_staff_names,
            started_at=timezone.now(),
        ),
        actor,
        "archive demandée",
    )
    try:
        return _compile_into(archive, actor=actor, request=request)
    except Exception as error:
        _archive_fail(archive.pk, message=_failure_message(error), actor=actor)
        raise


def access_archive_request(
    *, gdpr_request: GdprRequest, actor, include_staff_names: bool = False, request=None
) -> AccessArchive:
    """Ask for the access-right archive of the request's citizen (DPO only): records it *pending* and
    enqueues its compilation on commit (``privacy.tasks.compile_access_archive``), which logs the
    read with ``actor`` as the reader. Nothing slow happens here.

    Refused (``ValidationError``, French) without a matched citizen, or while an archive of the same
    request is still being prepared; a pending archive older than the lease (its worker died) is marked
    failed and a new one may be asked for."""
    if not is_dpo(actor):
        raise PermissionDenied
    if gdpr_request.citizen_id is None:
        raise ValidationError(_("Rapprochez d'abord la demande d'une fiche usager (numéro d'usager)."))
    request_id = getattr(request, "request_id", "") if request is not None else ""
    with transaction.atomic():
        # The register entry's row lock serialises two clicks: the second sees the first one's archive.
        GdprRequest.objects.select_for_update().filter(pk=gdpr_request.pk).values_list("pk", flat=True).first()
        now = timezone.now()
        for pending in AccessArchive.objects.filter(gdpr_request=gdpr_request, status=AccessArchive.Status.PENDING):
            if not pending.is_stalled(now):
                raise ValidationError(
                    _(
                        "L'archive n° %(pk)s de cette demande est déjà en préparation : attendez qu'elle soit "
                        "prête avant d'en demander une autre."
                    )
                    % {"pk": pending.pk}
                )
            _archive_fail(pending.pk, message=FAILURE_STALLED, actor=actor)
        archive = save_tracked(
            AccessArchive(
                citizen_id=gdpr_request.citizen_id,
                gdpr_request=gdpr_request,
                created_by=actor,
                include_staff_names=include_staff_names,
            ),
            actor,
            "archive demandée",
        )
        from .tasks import compile_access_archive

        enqueue_on_commit(
            compile_access_archive,
            archive.pk,
            actor.pk,
            request_id,
            what=f"access archive {archive.pk}",
            on_failure=lambda: _archive_fail(archive.pk, message=FAILURE_NOT_QUEUED, actor=actor),
        )
    return archive


def access_archive_build(*, archive_id: int, actor_id: int, request_id: str = "") -> str:
    """The background task's work: claim the pending archive ``archive_id`` (one worker only), compile it
    as ``actor_id`` (the DPO who asked: the access log names them), and mark it ready or failed.

    Returns "ready", "failed" or "skipped" (not pending, or another worker has it); never raises for a
    failed compilation: the archive says it failed, in French."""
    from grc.models import User

    actor = User.objects.filter(pk=actor_id).first()
    with transaction.atomic():
        archive = (
            AccessArchive.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=archive_id, status=AccessArchive.Status.PENDING, started_at__isnull=True)
            .select_related("citizen", "gdpr_request")
            .first()
        )
        if archive is None:
            return "skipped"
        archive.started_at = timezone.now()
        save_tracked(archive, actor, "constitution commencée")
    try:
        if actor is None:
            raise PermissionDenied
        archive = _compile_into(archive, actor=actor, request_id=request_id)
    except Exception as error:
        logger.warning("access archive %s: compilation failed (%s)", archive_id, type(error).__name__)
        _archive_fail(archive_id, message=_failure_message(error), actor=actor)
        return "failed"
    return "ready" if archive.is_ready else "skipped"


def access_archive_for_download(*, user, pk: int, request=None) -> AccessArchive:
    """The archive ``pk`` for the DPO to download (logged ``GDPR_ACCESS_ARCHIVE``); 404 for anyone else.

    An archive with nothing to read (pending, failed, or purged by retention or an erasure) is returned
    without a log row, and the caller says why."""
    from django.http import Http404

    if not is_dpo(user):
        raise Http404
    archive = AccessArchive.objects.filter(pk=pk).first()
    if archive is None:
        raise Http404
    if not archive.is_ready or archive.is_purged:
        return archive
    access_log_write(
        actor=user,
        action=AccessLog.Action.GDPR_ACCESS_ARCHIVE,
        citizen=archive.citizen_id,
        obj=archive,
        purpose="téléchargement de l'archive de droit d'accès",
        request=request,
    )
    return archive
