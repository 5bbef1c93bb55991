"""Social files and their notes (``dossier_unique``) as search documents.

Notes are documents of their own (kind ``note``) rather than per-visibility text fields on the
file document: a *team* note is readable by one team and a *private* note by one author, so a file
with notes of several teams and authors would need one text field per team and per author; as
their own documents each note carries its file's ``acl`` plus an ``acl_restrict`` (its team, its
author), the filter stays two array checks, and a hit opens the note itself.
"""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse

from dossier_unique.models import (
    Accompaniment,
    FileMember,
    Note,
    Programme,
    SocialFile,
    SocialFileGroupObjectPermission,
    SocialFileUserObjectPermission,
    Visibility,
)
from dossier_unique.perms import VIEW_FILE
from grc.models import Citizen

from .. import scope
from ..registry import DocumentType, SearchDoc, register
from .fields import date_text, person

FILE, NOTE = "file", "note"
PROGRAMME_LABELS = dict(Programme.choices)


def file_acl(file_id: int, team_ids, user_ids) -> list[str]:
    return sorted({scope.file_team(t) for t in team_ids} | {scope.file_user(u) for u in user_ids})


def file_document(file: SocialFile, accompaniments: list[Accompaniment], members: list[FileMember], acl) -> SearchDoc:
    """A social file: its person, programmes (open first), teams, referents, members. Visible to the
    teams and people holding ``view_socialfile`` on it (``dossier_unique.perms``)."""
    citizen = file.citizen
    open_accs = [a for a in accompaniments if a.status == Accompaniment.Status.OPEN]
    programmes = sorted({a.programme for a in open_accs}) or sorted({a.programme for a in accompaniments})
    labels = ", ".join(str(PROGRAMME_LABELS.get(p, p)) for p in programmes)
    body = [
        citizen.display_name,
        *(
            f"{PROGRAMME_LABELS.get(a.programme, a.programme)} {a.team.name} {person(a.referent)}"
            for a in accompaniments
        ),
        *(f"{person(m.user)} {m.role}" for m in members if m.end_date is None),
    ]
    return SearchDoc(
        kind=FILE,
        object_id=file.pk,
        # not "Dossier social — …": that word in 300,000 titles made "social" match every file
        title=citizen.display_name,
        subtitle=labels,
        body="\n".join(b for b in body if b),
        citizen_id=file.citizen_id,
        file_id=file.pk,
        territory_id=file.territory_id,
        # the person's normalised names: a misspelled name finds their file too (if one may see it)
        names=citizen.search_name,
        phonetic=citizen.search_phonetic,
        birth_date=citizen.birth_date,
        programmes=programmes,
        status="open" if open_accs else "closed",
        acl=acl,
        sort_date=file.created_at,
    )


def note_document(note: Note, acl) -> SearchDoc:
    """A note of a social file, within its visibility: readable by whoever may see the file (``acl``)
    and, for a *team* note, only by the accompaniment's team or its author; a *private* note by its
    author only (``acl_restrict``, see ``dossier_unique.perms.visible_entries_q``)."""
    if note.visibility == Visibility.TEAM:
        restrict = sorted({scope.file_team(note.team_id), scope.file_user(note.author_id)})
    elif note.visibility == Visibility.PRIVATE:
        restrict = [scope.file_user(note.author_id)]
    else:
        restrict = []
    programme = note.accompaniment.programme if note.accompaniment_id else ""
    return SearchDoc(
        kind=NOTE,
        object_id=note.pk,
        title=f"{note.get_kind_display()} du {date_text(note.created_at)} — {note.file.citizen.display_name}",
        subtitle=str(note.get_visibility_display()),
        body=note.text,
        citizen_id=note.file.citizen_id,
        file_id=note.file_id,
        territory_id=note.file.territory_id,
        programmes=[programme] if programme else [],
        status=note.visibility,
        acl=acl,
        acl_restrict=restrict,
        sort_date=note.created_at,
    )


def _file_acls(file_ids) -> dict[int, list[str]]:
    teams, users = defaultdict(set), defaultdict(set)
    for file_id, team_id in SocialFileGroupObjectPermission.objects.filter(
        content_object_id__in=file_ids, permission__codename=VIEW_FILE, group__dsu_team__isnull=False
    ).values_list("content_object_id", "group__dsu_team__team_id"):
        teams[file_id].add(team_id)
    for file_id, user_id in SocialFileUserObjectPermission.objects.filter(
        content_object_id__in=file_ids, permission__codename=VIEW_FILE
    ).values_list("content_object_id", "user_id"):
        users[file_id].add(user_id)
    return {f: file_acl(f, teams[f], users[f]) for f in file_ids}


def _build_files(ids) -> list[SearchDoc]:
    files = list(SocialFile.objects.filter(pk__in=ids).select_related("citizen").order_by("pk"))
    accompaniments, members = defaultdict(list), defaultdict(list)
    for a in Accompaniment.objects.filter(file_id__in=ids).select_related("team", "referent").order_by("start_date"):
        accompaniments[a.file_id].append(a)
    for m in FileMember.objects.filter(file_id__in=ids).select_related("user"):
        members[m.file_id].append(m)
    acls = _file_acls([f.pk for f in files])
    return [
        file_document(f, accompaniments[f.pk], members[f.pk], acls[f.pk])
        for f in files
        if f.citizen.status == Citizen.Status.ACTIVE
    ]


def _build_notes(ids) -> list[SearchDoc]:
    notes = list(Note.objects.filter(pk__in=ids).select_related("file__citizen", "accompaniment").order_by("pk"))
    acls = _file_acls({n.file_id for n in notes})
    return [note_document(n, acls[n.file_id]) for n in notes]


register(
    DocumentType(
        kind=FILE,
        model=SocialFile,
        build=_build_files,
        url=lambda object_id: reverse("backoffice:file_detail", args=[object_id]),
        rank=20,
        # every file is walked by a reindex (the documents of a merged citizen's files are removed);
        # only those of active citizens have one
        indexed=lambda: SocialFile.objects.filter(citizen__status=Citizen.Status.ACTIVE),
    )
)
register(
    DocumentType(
        kind=NOTE,
        model=Note,
        build=_build_notes,
        url=lambda object_id: reverse("backoffice:note_detail", args=[object_id]),
        rank=30,
        citizen_field="file__citizen_id",
    )
)
