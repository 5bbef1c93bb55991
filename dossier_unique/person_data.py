"""The social file's section of a person's data (registered from ``apps.py``), for the DPO's access
archive: accompaniments, professionals following the person (their role), sharing grants (recipients,
Art. 15(1)(c)), emergency accesses, notes and documents (joined). Private notes (an author's working
notes) are withheld, and so are notes and documents the DPO flagged as holding third-party information
(``Withholding``); both are counted."""

from __future__ import annotations

from grc.person_data_registry import DPO_ARCHIVE, PersonDataSection, file_suffix, iso

from .models import Accompaniment, Document, EmergencyAccess, FileMember, Note, SharingGrant, SocialFile, Visibility


def _notes(scope, notes):
    shown = []
    for note in notes:
        if note.visibility == Visibility.PRIVATE:
            scope.withheld["notes_privees"] += 1
            continue
        if getattr(note, "withholding", None) is not None:
            scope.withheld["notes_avec_tiers"] += 1
            continue
        shown.append(
            {
                "date": iso(note.created_at),
                "type": note.get_kind_display(),
                "visibilite": note.get_visibility_display(),
                "equipe": note.team.name if note.team else "",
                "auteur": scope.staff.describe(note.author_id, note.created_at),
                "texte": note.text,
            }
        )
    return shown


def _documents(scope, documents):
    shown = []
    for document in documents:
        if getattr(document, "withholding", None) is not None:
            scope.withheld["documents_avec_tiers"] += 1
            continue
        name = f"documents/{document.pk}{file_suffix(document.content_type)}"
        scope.files.append((name, document.content))
        shown.append(
            {
                "type": document.get_doc_type_display(),
                "depose_le": iso(document.uploaded_at),
                "nom_d_origine": document.original_name,
                "taille_octets": document.size,
                "fichier_dans_l_archive": name,
            }
        )
    return shown


def _accompaniments(scope, accompaniments):
    return [
        {
            "dispositif": a.get_programme_display(),
            "equipe": a.team.name,
            "referent": scope.staff.describe(a.referent_id, a.start_date) if a.referent_id else "",
            "debut": iso(a.start_date),
            "fin": iso(a.end_date),
            "statut": a.get_status_display(),
            "motif_de_cloture": a.closing_reason,
        }
        for a in accompaniments
    ]


def _grants(scope, grants):
    return [
        {
            "destinataire": g.grantee_team.name
            if g.grantee_team_id
            else scope.staff.describe(g.grantee_user_id, g.granted_at),
            "finalite": g.purpose,
            "base_legale": g.get_legal_basis_display(),
            "famille_informee": g.family_informed,
            "accorde_le": iso(g.granted_at),
            "expire_le": iso(g.expires_at),
            "revoque_le": iso(g.revoked_at),
        }
        for g in grants
    ]


def _read(file_ids):
    """Every row of the files, grouped by file (one query per kind)."""
    kinds = {
        "accompaniments": Accompaniment.objects.select_related("team").order_by("start_date", "pk"),
        "notes": Note.objects.select_related("team", "withholding").order_by("created_at"),
        "documents": Document.objects.select_related("withholding").order_by("uploaded_at"),
        "members": FileMember.objects.order_by("start_date", "pk"),
        "grants": SharingGrant.objects.select_related("grantee_team").order_by("pk"),
        "emergencies": EmergencyAccess.objects.order_by("started_at"),
    }
    rows = {kind: list(queryset.filter(file_id__in=file_ids)) for kind, queryset in kinds.items()}
    return {pk: {kind: [r for r in found if r.file_id == pk] for kind, found in rows.items()} for pk in file_ids}


def _social_files(scope):
    social_files = list(SocialFile.objects.filter(citizen_id__in=scope.ids).select_related("territory").order_by("pk"))
    by_file = _read([f.pk for f in social_files])
    scope.staff.load(
        [a.referent_id for rows in by_file.values() for a in rows["accompaniments"]]
        + [n.author_id for rows in by_file.values() for n in rows["notes"]]
        + [m.user_id for rows in by_file.values() for m in rows["members"]]
        + [g.grantee_user_id for rows in by_file.values() for g in rows["grants"]]
        + [e.user_id for rows in by_file.values() for e in rows["emergencies"]]
    )
    result = []
    for social_file in social_files:
        rows = by_file[social_file.pk]
        notes = _notes(scope, rows["notes"])
        documents = _documents(scope, rows["documents"])
        result.append(
            {
                "numero": social_file.pk,
                "cree_le": iso(social_file.created_at),
                "territoire": social_file.territory.name if social_file.territory else "",
                "accompagnements": _accompaniments(scope, rows["accompaniments"]),
                "intervenants": [
                    {
                        "role": m.role,
                        "professionnel": scope.staff.describe(m.user_id, m.start_date),
                        "debut": iso(m.start_date),
                        "fin": iso(m.end_date),
                    }
                    for m in rows["members"]
                ],
                "partages": _grants(scope, rows["grants"]),
                "acces_d_urgence": [
                    {
                        "par": scope.staff.describe(e.user_id, e.started_at),
                        "debut": iso(e.started_at),
                        "fin": iso(e.ended_at or e.expires_at),
                        "motif": e.reason,
                    }
                    for e in rows["emergencies"]
                ],
                "notes": notes,
                "documents": documents,
            }
        )
    return result


FILES_SECTION = PersonDataSection(
    key="dossiers_sociaux", order=70, build=_social_files, audiences=frozenset({DPO_ARCHIVE})
)
