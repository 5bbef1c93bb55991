"""Search documents: one per searchable thing, each kind built by one function from the domain model.

``build(kind, ids)`` loads a batch with a fixed number of queries and returns the documents of the
ids that should be in the index; an id without a document (deleted, merged citizen, draft request)
must be removed from the index. Both backends index exactly these documents.

Notes are documents of their own (kind ``note``) rather than per-visibility text fields on the
file document: a *team* note is readable by one team and a *private* note by one author, so a file
with notes of several teams and authors would need one text field per team and per author; as
their own documents each note carries its file's ``acl`` plus an ``acl_restrict`` (its team, its
author), the filter stays two array checks, and a hit opens the note itself.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

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
from mail.models import MailItem
from grc.models import Address, Citizen, ContactPoint
from demandes.models import Request

from . import scope

CITIZEN, FILE, NOTE, REQUEST, MAIL = "citizen", "file", "note", "request", "mail"
KINDS = (CITIZEN, FILE, NOTE, REQUEST, MAIL)
MODELS = {CITIZEN: Citizen, FILE: SocialFile, NOTE: Note, REQUEST: Request, MAIL: MailItem}
PROGRAMME_LABELS = dict(Programme.choices)


@dataclass
class SearchDoc:
    kind: str
    object_id: int
    title: str
    subtitle: str = ""
    body: str = ""
    citizen_id: int | None = None
    file_id: int | None = None
    territory_id: int | None = None
    names: str = ""
    phonetic: str = ""
    codes: list[str] = field(default_factory=list)
    birth_date: datetime.date | None = None
    programmes: list[str] = field(default_factory=list)
    status: str = ""
    acl: list[str] = field(default_factory=list)
    acl_restrict: list[str] = field(default_factory=list)
    sort_date: datetime.datetime | None = None

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.object_id


# --- canonical identifiers (also used on the query side) --------------------------------------------

_NON_DIGITS = re.compile(r"\D+")


def phone_code(value: str) -> str:
    """French phone number as 10 digits ("+33 6 12 34 56 78" → "0612345678"); '' when not one."""
    digits = _NON_DIGITS.sub("", value or "")
    if digits.startswith("0033"):
        digits = "0" + digits[4:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if len(digits) == 10 and digits.startswith("0") else ""


def nir_codes(nir: str) -> list[str]:
    """A NIR is found with or without its key: both the 15 and the 13 characters are indexed."""
    value = re.sub(r"\s+", "", nir or "").upper()
    if len(value) == 15:
        return [value, value[:13]]
    return [value] if value else []


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _texts(value) -> list[str]:
    """The strings inside a JSON value (form answers), flattened."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _texts(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    return []


def _person(user) -> str:
    return user.get_full_name() if user else ""


# --- one function per kind ---------------------------------------------------------------------------


def citizen_document(citizen: Citizen, addresses: list[Address], contacts: list[ContactPoint]) -> SearchDoc | None:
    """A citizen of the reference: names (birth, usage, first), birth date and place, addresses,
    phones, e-mails, NIR. A merged citizen has no document (its survivor has)."""
    if citizen.is_merged:
        return None
    current = [a for a in addresses if a.end_date is None] or addresses[:1]
    place = f"{current[0].postcode} {current[0].city}" if current else ""
    subtitle = " · ".join(
        p for p in (f"né(e) le {_date(citizen.birth_date)}" if citizen.birth_date else "", place) if p
    )
    codes = nir_codes(citizen.nir)
    for contact in contacts:
        if contact.kind == ContactPoint.Kind.EMAIL:
            codes.append(contact.value.strip().lower())
        elif phone := phone_code(contact.value):
            codes.append(phone)
    body = [
        citizen.birth_name,
        citizen.usage_name,
        citizen.first_names,
        _date(citizen.birth_date),
        citizen.birth_place,
        *(f"{a.line1} {a.line2} {a.postcode} {a.city}" for a in addresses),
        *(c.value for c in contacts),
    ]
    return SearchDoc(
        kind=CITIZEN,
        object_id=citizen.pk,
        title=citizen.display_name,
        subtitle=subtitle,
        body="\n".join(b for b in body if b),
        citizen_id=citizen.pk,
        names=citizen.search_name,
        phonetic=citizen.search_phonetic,
        codes=sorted(set(codes)),
        birth_date=citizen.birth_date,
        status=citizen.status,
        acl=[scope.IDENTITY],
        sort_date=citizen.updated_at,
    )


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
            f"{PROGRAMME_LABELS.get(a.programme, a.programme)} {a.team.name} {_person(a.referent)}"
            for a in accompaniments
        ),
        *(f"{_person(m.user)} {m.role}" for m in members if m.end_date is None),
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
        title=f"{note.get_kind_display()} du {_date(note.created_at)} — {note.file.citizen.display_name}",
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


def request_document(request: Request) -> SearchDoc | None:
    """A filed request: tracking code, procedure, the citizen, the answers. Visible to its team's
    instructors, social workers and managers and to the agent in charge (``demandes.perms``);
    drafts are the citizen's own and are not indexed."""
    if request.status == Request.Status.DRAFT:
        return None
    citizen = request.citizen
    acl = [scope.request_team(request.team_id)] if request.team_id else []
    if request.assigned_to_id:
        acl.append(scope.user(request.assigned_to_id))
    return SearchDoc(
        kind=REQUEST,
        object_id=request.pk,
        title=f"{request.tracking_code} — {request.procedure_title}",
        subtitle=" · ".join(p for p in (citizen.display_name if citizen else "", request.get_status_display()) if p),
        body="\n".join([request.procedure_title, citizen.display_name if citizen else "", *_texts(request.answers)]),
        citizen_id=request.citizen_id,
        codes=[request.tracking_code.upper()],
        status=request.status,
        acl=sorted(acl),
        sort_date=request.submitted_at or request.created_at,
    )


def mail_document(item: MailItem) -> SearchDoc:
    """A mail item: registration number, sender, recognised (OCR) text. Visible to mailroom agents
    and superusers, and to anyone with a current membership of the team it is routed to
    (``mail.perms.can_view_mail``)."""
    acl = [scope.MAILROOM]
    if item.team_id:
        acl.append(scope.team(item.team_id))
    label = item.mail_type.name if item.mail_type_id else (item.sender or item.original_name)
    return SearchDoc(
        kind=MAIL,
        object_id=item.pk,
        title=f"{item.registration_number} — {label}",
        subtitle=" · ".join(
            p for p in (item.citizen.display_name if item.citizen_id else "", item.get_status_display()) if p
        ),
        body="\n".join(p for p in (item.sender, item.ocr_text) if p),
        citizen_id=item.citizen_id,
        codes=[item.registration_number.upper()],
        status=item.status,
        acl=sorted(acl),
        sort_date=item.received_at,
    )


# --- batches -----------------------------------------------------------------------------------------


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


def _build_citizens(ids) -> list[SearchDoc]:
    citizens = list(Citizen.objects.filter(pk__in=ids).order_by("pk"))
    addresses, contacts = defaultdict(list), defaultdict(list)
    for a in Address.objects.filter(citizen_id__in=ids).order_by("-start_date", "-id"):
        addresses[a.citizen_id].append(a)
    for c in ContactPoint.objects.filter(citizen_id__in=ids).order_by("id"):
        contacts[c.citizen_id].append(c)
    return [d for c in citizens if (d := citizen_document(c, addresses[c.pk], contacts[c.pk]))]


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


def _build_requests(ids) -> list[SearchDoc]:
    rows = Request.objects.filter(pk__in=ids).select_related("citizen").order_by("pk")
    return [d for r in rows if (d := request_document(r))]


def _build_mail(ids) -> list[SearchDoc]:
    rows = MailItem.objects.filter(pk__in=ids).select_related("citizen", "mail_type").defer("suggestions")
    return [mail_document(m) for m in rows.order_by("pk")]


BUILDERS = {
    CITIZEN: _build_citizens,
    FILE: _build_files,
    NOTE: _build_notes,
    REQUEST: _build_requests,
    MAIL: _build_mail,
}


def build(kind: str, ids) -> tuple[list[SearchDoc], list[int]]:
    """The documents of ``ids`` of ``kind`` and the ids that have none (to delete from the index)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return [], []
    docs = BUILDERS[kind](ids)
    present = {d.object_id for d in docs}
    return docs, [i for i in ids if i not in present]


def url_for(kind: str, object_id: int) -> str:
    """The object's own page in the back office (its view checks permission and logs the read)."""
    if kind == CITIZEN:
        return reverse("backoffice:citizen_detail", args=[object_id])
    if kind == FILE:
        return reverse("backoffice:file_detail", args=[object_id])
    if kind == NOTE:
        return reverse("backoffice:note_detail", args=[object_id])
    try:
        if kind == REQUEST:
            code = Request.objects.filter(pk=object_id).values_list("tracking_code", flat=True).first()
            return reverse("backoffice:request_detail", args=[code]) if code else ""
        return reverse("backoffice:mail_detail", args=[object_id])
    except NoReverseMatch:  # another area's page, not there yet
        return ""


def related_keys(citizen_ids) -> dict[str, set[int]]:
    """Documents that show a citizen's name: their files, notes, requests and mail items."""
    ids = list(citizen_ids)
    return {
        FILE: set(SocialFile.objects.filter(citizen_id__in=ids).values_list("pk", flat=True)),
        NOTE: set(Note.objects.filter(file__citizen_id__in=ids).values_list("pk", flat=True)),
        REQUEST: set(Request.objects.filter(citizen_id__in=ids).values_list("pk", flat=True)),
        MAIL: set(MailItem.objects.filter(citizen_id__in=ids).values_list("pk", flat=True)),
    }


def queryset_ids(kind: str, after: int, batch: int) -> list[int]:
    """Keyset pagination over one kind's table for ``search_reindex`` (ids only, index-ordered)."""
    model = MODELS[kind]
    qs = model.objects.filter(pk__gt=after)
    if kind == CITIZEN:
        qs = qs.filter(status=Citizen.Status.ACTIVE)
    elif kind == REQUEST:
        qs = qs.exclude(status=Request.Status.DRAFT)
    return list(qs.order_by("pk").values_list("pk", flat=True)[:batch])


def database_count(kind: str) -> int:
    """How many documents of ``kind`` the index should hold (``search_check``)."""
    if kind == CITIZEN:
        return Citizen.objects.filter(status=Citizen.Status.ACTIVE).count()
    if kind == FILE:
        return SocialFile.objects.filter(citizen__status=Citizen.Status.ACTIVE).count()
    if kind == REQUEST:
        return Request.objects.exclude(status=Request.Status.DRAFT).count()
    return MODELS[kind].objects.count()
